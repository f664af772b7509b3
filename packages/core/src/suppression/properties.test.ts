import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRelay, type BounceInfo, type DeliveryEvent, type Relay } from '../index.ts';
import { testingProvider } from '../testing/index.ts';

const t0 = Date.parse('2025-03-01T00:00:00Z');
const hour = 60 * 60 * 1000;
const pool = ['a@x.test', 'b@x.test', 'c@y.test', 'd@nullmx.test', 'e@nullmx.test'];
const streams = {
  transactional: { domains: ['mail.shop.test'] },
  news: { domains: ['news.shop.test'] },
};
const fromOf = { transactional: 'orders@mail.shop.test', news: 'hello@news.shop.test' } as const;

const bounces: BounceInfo[] = [
  { class: 'hard', category: 'unknown-user', smtpStatus: 550, enhancedStatus: '5.1.1' },
  { class: 'hard', category: 'null-mx', smtpStatus: 556, enhancedStatus: '5.1.10' },
  { class: 'hard', category: 'suppressed' },
  { class: 'soft', category: 'mailbox-full', smtpStatus: 452, enhancedStatus: '4.2.2' },
  { class: 'soft', category: 'rate-limit' },
  { class: 'block', category: 'reputation', smtpStatus: 421 },
  { class: 'undetermined', category: 'unknown' },
];

const eventArb = fc.record({
  type: fc.constantFrom<DeliveryEvent['type']>(
    'accepted',
    'delivered',
    'deferred',
    'bounced',
    'bounced',
    'bounced',
    'complained',
    'rejected',
    'suppressed',
    'opened',
    'unsubscribed',
  ),
  recipient: fc.constantFrom(...pool),
  bounce: fc.constantFrom(...bounces),
  stream: fc.constantFrom<'transactional' | 'news' | undefined>('transactional', 'news', undefined),
  hours: fc.integer({ min: 0, max: 24 * 12 }),
  message: fc.constantFrom('m1', 'm2', 'm3'),
  provider: fc.constantFrom('p1', 'p2'),
});

type Raw = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function toEvents(raw: readonly Raw[]): DeliveryEvent[] {
  return raw.map((r, i) => ({
    id: `e${i}`,
    type: r.type,
    provider: r.provider,
    messageId: r.message,
    recipient: r.recipient,
    at: new Date(t0 + r.hours * hour),
    from: fromOf[r.stream ?? 'transactional'],
    ...(r.stream === undefined ? {} : { stream: r.stream }),
    ...(['bounced', 'deferred', 'rejected'].includes(r.type) ? { bounce: r.bounce } : {}),
    tags: [],
    metadata: {},
    raw: null,
  }));
}

async function suppressionSet(relay: Relay): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await relay.suppressions.list({
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.entries.map((e) => `${e.stream ?? '*'}|${e.address}`));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out.sort();
}

async function states(relay: Relay) {
  const all = [];
  for (const id of ['m1', 'm2', 'm3']) {
    for (const s of await relay.status(id)) all.push({ ...s, history: s.history.map((h) => h.id) });
  }
  return all.sort((a, b) =>
    `${a.messageId}${a.recipient}`.localeCompare(`${b.messageId}${b.recipient}`),
  );
}

describe('suppression and state under any sequence of events', () => {
  it('no sequence of events leaves an address both suppressed and sendable', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 40 }), async (raw) => {
        const provider = testingProvider({ events: false });
        const relay = createRelay({ providers: [provider], streams });
        for (const e of toEvents(raw)) await relay.ingest([e]);
        for (const stream of ['transactional', 'news'] as const) {
          const held = await relay.suppressions.check(pool, { stream });
          const report = await relay
            .send({ from: fromOf[stream], stream, subject: 's', text: 't', to: pool })
            .catch((e: unknown) => e);
          const delivered = provider.sent
            .filter((m) => m.stream === stream)
            .flatMap((m) => m.to.map((a) => a.address));
          for (const address of pool) {
            expect(held.has(address) && delivered.includes(address)).toBe(false);
          }
          const results = (report as { recipients: Array<{ address: string; status: string }> })
            .recipients;
          for (const r of results)
            expect(r.status).toBe(held.has(r.address) ? 'suppressed' : 'sent');
          provider.reset();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('event order changes neither the message state nor the suppression set', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.boolean(),
        async (raw, keys, repeat) => {
          const events = toEvents(raw);
          // Redeliveries (same ids) are part of real traffic: send some twice in the shuffled run.
          const shuffled = events
            .map((e, i) => [keys[i] ?? i, e] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, e]) => e);
          const replayed = repeat ? [...shuffled, ...shuffled.slice(0, 5)] : shuffled;
          const inOrder = createRelay({ providers: [testingProvider()], streams });
          const outOfOrder = createRelay({ providers: [testingProvider()], streams });
          for (const e of events) await inOrder.ingest([e]);
          for (const e of replayed) await outOfOrder.ingest([e]);
          expect(await suppressionSet(outOfOrder)).toEqual(await suppressionSet(inOrder));
          expect(await states(outOfOrder)).toEqual(await states(inOrder));
        },
      ),
      { numRuns: 150 },
    );
  });
});
