import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeliveryEvent } from './events.ts';
import { memoryDedupe } from './memory/dedupe.ts';
import { memorySuppressionStore } from './memory/suppression.ts';
import type { Provider } from './provider.ts';
import { createRelay, type Relay, type RelayEvents } from './relay.ts';
import type { DedupeStore, SuppressionStore } from './stores.ts';
import { rawWebhookOf } from './testing/helpers.ts';
import { secretHeaderProvider } from './webhook-test-provider.ts';
import { nestsDeeperThan } from './webhook-bounds.ts';
import { headersOf } from './webhooks.ts';

const post = (body: BodyInit, headers: Record<string, string> = { 'x-secret': 'hook-secret' }) =>
  new Request('http://localhost/webhooks/hooks', { method: 'POST', headers, body });

function setup(
  options: { suppression?: SuppressionStore; dedupe?: DedupeStore; provider?: Provider } = {},
) {
  const provider = options.provider ?? secretHeaderProvider();
  const relay = createRelay({
    providers: [provider],
    ...(options.suppression ? { suppression: { store: options.suppression } } : {}),
    ...(options.dedupe ? { dedupe: options.dedupe } : {}),
  });
  const events: DeliveryEvent[] = [];
  const alerts: RelayEvents['alert'][] = [];
  const errors: RelayEvents['error'][] = [];
  relay.on('event', (e) => events.push(e));
  relay.on('alert', (a) => alerts.push(a));
  relay.on('error', (e) => errors.push(e));
  return { relay, events, alerts, errors };
}

/** A provider whose verify counts its calls, to show what is refused before verification. */
function counted() {
  const inner = secretHeaderProvider();
  const calls = { verify: 0 };
  const webhook = inner.webhook as NonNullable<Provider['webhook']>;
  const provider: Provider = {
    ...inner,
    webhook: {
      verify: (r, c) => {
        calls.verify += 1;
        return webhook.verify(r, c);
      },
      parse: (r, c) => webhook.parse(r, c),
    },
  };
  return { provider, calls };
}

/**
 * The two entries run the same tests: `handle` with the web Request, `handleRaw` with what a Node
 * server holds for it (the body read as bytes, Node's header object, the path alone).
 */
const entries = {
  handle: (relay: Relay, request: Request) => relay.webhooks.handle(request),
  handleRaw: async (relay: Relay, request: Request) =>
    relay.webhooks.handleRaw(await rawWebhookOf(request)),
} as const;

describe.each(Object.keys(entries) as Array<keyof typeof entries>)('relay.webhooks.%s', (entry) => {
  const send = entries[entry];

  describe('bounds before verification', () => {
    it('answers 400 to a body nested deeper than 64 levels without verifying or parsing it', async () => {
      const { provider, calls } = counted();
      const { relay, events } = setup({ provider });
      for (const body of ['['.repeat(1_000_000), '{"a":'.repeat(100) + '1' + '}'.repeat(100)]) {
        expect((await send(relay, post(body))).status).toBe(400);
      }
      expect(calls.verify).toBe(0);
      expect(events).toEqual([]);
    });

    it('takes a body nested 64 levels deep, and counts no brackets inside strings', async () => {
      expect(nestsDeeperThan('['.repeat(64) + ']'.repeat(64))).toBe(false);
      expect(nestsDeeperThan('['.repeat(65))).toBe(true);
      expect(nestsDeeperThan(`["${'['.repeat(1000)}\\"${'{'.repeat(1000)}"]`)).toBe(false);
      const { relay, events } = setup();
      const body = JSON.stringify([
        { id: 'e1', recipient: 'a@example.test', meta: '[[[[[['.repeat(50) },
      ]);
      expect((await send(relay, post(body))).status).toBe(200);
      expect(events).toHaveLength(1);
    });

    it('answers 413 past maxWebhookBytes without verifying', async () => {
      const { provider, calls } = counted();
      const relay = createRelay({ providers: [provider], maxWebhookBytes: 1000 });
      expect((await send(relay, post('x'.repeat(1001)))).status).toBe(413);
      expect(calls.verify).toBe(0);
    });

    it('answers 400 when the body stream breaks, 405 for GET, 404 for an unknown provider', async () => {
      const { relay, events } = setup();
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('[{"id":'));
          controller.error(new Error('connection reset'));
        },
      });
      const request = new Request('http://localhost/webhooks/hooks', {
        method: 'POST',
        headers: { 'x-secret': 'hook-secret' },
        body: broken,
        duplex: 'half',
      } as RequestInit);
      if (entry === 'handle') expect((await send(relay, request)).status).toBe(400);
      expect((await send(relay, new Request('http://localhost/webhooks/hooks'))).status).toBe(405);
      expect(
        (
          await send(
            relay,
            new Request('http://localhost/webhooks/other', { method: 'POST', body: '[]' }),
          )
        ).status,
      ).toBe(404);
      expect(events).toEqual([]);
    });
  });

  describe('routing by the URL path', () => {
    it('takes the provider from the last path segment as the URL parser reads it', async () => {
      const { relay } = setup();
      const status = async (url: string) =>
        (
          await send(
            relay,
            new Request(url, {
              method: 'POST',
              headers: { 'x-secret': 'hook-secret' },
              body: '[]',
            }),
          )
        ).status;
      for (const url of [
        'http://localhost/webhooks/hooks',
        'https://relay.example.com:8443/hooks',
        'http://localhost/webhooks/hooks/',
        'http://localhost/webhooks/hooks//',
        'http://localhost/a//hooks?x=/other',
        'http://localhost/webhooks/hooks#other',
        'http://localhost/hooks?',
        'http://localhost/webhooks/other/../hooks',
        'http://localhost/webhooks\\hooks',
        'http://localhost/webhooks/./hooks/.',
      ])
        expect([url, await status(url)]).toEqual([url, 200]);
      for (const url of [
        'http://localhost/webhooks/%68ooks',
        'http://localhost/hooks/other',
        'http://localhost/hooks/..',
      ])
        expect([url, await status(url)]).toEqual([url, 404]);
    });
  });

  describe('authentic deliveries it cannot use', () => {
    it('acknowledges an authentic body the adapter cannot parse, and raises webhook-unreadable', async () => {
      const { relay, alerts, events } = setup();
      const response = await send(relay, post('{"throw":"user-variables nest too deep"}'));
      expect(response.status).toBe(200);
      expect(events).toEqual([]);
      expect(alerts).toEqual([
        expect.objectContaining({
          type: 'webhook-unreadable',
          provider: 'hooks',
          reason: 'user-variables nest too deep',
        }),
      ]);
    });

    it('still answers 401 to a forged body the adapter could not parse either', async () => {
      const { relay, alerts } = setup();
      const response = await send(relay, post('{"throw":"x"}', { 'x-secret': 'guess' }));
      expect(response.status).toBe(401);
      expect(alerts).toEqual([]);
    });

    it('turns the unreadable entries of a parse result into alerts naming the event id', async () => {
      const { relay, alerts } = setup();
      const response = await send(relay, post('{"unreadable":"no recipient\\r\\nFAKE"}'));
      expect(response.status).toBe(200);
      expect(alerts).toEqual([
        expect.objectContaining({
          type: 'webhook-unreadable',
          provider: 'hooks',
          eventId: 'ev-1',
          reason: 'no recipient FAKE',
        }),
      ]);
    });

    it('raises webhook-misrouted naming the provider and what arrived', async () => {
      const { relay, alerts } = setup();
      const response = await send(relay, post('{"misrouted":"an inbound message"}'));
      expect(response.status).toBe(200);
      expect(alerts).toEqual([
        expect.objectContaining({
          type: 'webhook-misrouted',
          provider: 'hooks',
          what: 'an inbound message',
          message: expect.stringContaining('hooks'),
        }),
      ]);
    });
  });

  describe('a failed store write', () => {
    /** A suppression store whose next `add` fails, as SQLITE_BUSY or a Redis blip would. */
    function flaky() {
      const store = memorySuppressionStore();
      let failures = 1;
      const wrapped: SuppressionStore = {
        ...store,
        add: async (entries) => {
          if (failures > 0) {
            failures -= 1;
            throw new Error('SQLITE_BUSY: database is locked');
          }
          return store.add(entries);
        },
      };
      return wrapped;
    }
    const bounce = JSON.stringify([{ id: 'b1', type: 'bounced', recipient: 'gone@example.test' }]);

    it.each([
      ['a dedupe store with has()', () => memoryDedupe()],
      [
        'a dedupe store without has()',
        (): DedupeStore => {
          const inner = memoryDedupe();
          return { remember: (k, t) => inner.remember(k, t) };
        },
      ],
    ])('answers 500, and the redelivery suppresses the address (%s)', async (_name, dedupe) => {
      const suppression = flaky();
      const { relay, events } = setup({ suppression, dedupe: dedupe() });
      expect((await send(relay, post(bounce))).status).toBe(500);
      expect(events).toEqual([]);
      expect((await send(relay, post(bounce))).status).toBe(200);
      expect((await suppression.check(['gone@example.test'])).has('gone@example.test')).toBe(true);
      expect(events.map((e) => e.id)).toEqual(['b1']);
      // A third delivery is a duplicate: no second event.
      expect((await send(relay, post(bounce))).status).toBe(200);
      expect(events).toHaveLength(1);
    });
  });

  describe('keys an adapter remembers while parsing', () => {
    it('are marked only once the events are stored, so a redelivery after a failed write is applied', async () => {
      // Like the SES adapter: parse skips a notification whose id it has seen before.
      const inner = secretHeaderProvider();
      const webhook = inner.webhook as NonNullable<Provider['webhook']>;
      const provider: Provider = {
        ...inner,
        webhook: {
          verify: (r, c) => webhook.verify(r, c),
          parse: async (r, c) =>
            (await c.remember(`notification:${r.body.length}`, 60_000))
              ? webhook.parse(r, c)
              : { events: [] },
        },
      };
      const store = memorySuppressionStore();
      let failures = 1;
      const suppression: SuppressionStore = {
        ...store,
        add: async (entries) => {
          if (failures-- > 0) throw new Error('SQLITE_BUSY: database is locked');
          return store.add(entries);
        },
      };
      const { relay, events } = setup({ provider, suppression });
      const bounce = JSON.stringify([
        { id: 'n1', type: 'bounced', recipient: 'gone@example.test' },
      ]);
      expect((await send(relay, post(bounce))).status).toBe(500);
      expect((await send(relay, post(bounce))).status).toBe(200);
      expect(events.map((e) => e.id)).toEqual(['n1']);
      expect((await store.check(['gone@example.test'])).size).toBe(1);
      // Marked now: a third delivery is skipped by the adapter's own guard.
      expect((await send(relay, post(bounce))).status).toBe(200);
      expect(events).toHaveLength(1);
    });
  });

  describe('control characters', () => {
    it('strips control characters from event text before any listener, log or store sees it', async () => {
      const { relay, events } = setup();
      const nasty = 'a\u0000b\u000bc\u000cd\u0085e\r\nINFO forged line\u2028f';
      const body = JSON.stringify([
        {
          id: 'c1',
          type: 'bounced',
          recipient: 'gone@example.test',
          diagnostic: `550 ${nasty}`,
          tag: nasty,
          meta: nasty,
        },
      ]);
      expect((await send(relay, post(body))).status).toBe(200);
      const [event] = events;
      // eslint-disable-next-line no-control-regex
      const control = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/u;
      expect(event?.bounce?.diagnostic).toBe('550 a b c d e INFO forged line f');
      expect(control.test(event?.tags[0] ?? '')).toBe(false);
      expect(control.test(event?.metadata['note'] ?? '')).toBe(false);
    });

    it('cleans every text field of an event, and passes a clean event on as the adapter read it', async () => {
      // cleanEvent copies only what it changes: each field must still be cleaned on its own.
      const nasty = 'x\u0000y\r\nz\u2028';
      const base = secretHeaderProvider();
      const read: DeliveryEvent[] = [
        {
          id: `dirty-${nasty}`,
          type: 'bounced',
          provider: 'hooks',
          recipient: `a${nasty}@example.test`,
          messageId: nasty,
          providerMessageId: nasty,
          url: nasty,
          userAgent: nasty,
          from: nasty,
          stream: nasty,
          at: new Date(0),
          bounce: { class: 'hard', category: nasty, diagnostic: nasty, enhancedStatus: nasty },
          tags: ['plain', nasty],
          metadata: { [nasty]: 'key', plain: nasty, count: 3 as unknown as string },
          raw: nasty,
        },
        {
          id: 'clean',
          type: 'delivered',
          provider: 'hooks',
          recipient: 'b@example.test',
          from: 'noreply@example.test',
          at: new Date(0),
          tags: ['t'],
          metadata: { k: 'v\tw' },
          raw: null,
        },
      ];
      const provider: Provider = {
        ...base,
        webhook: { verify: base.webhook!.verify, parse: async () => ({ events: read }) },
      };
      const { relay, events } = setup({ provider });
      expect((await send(relay, post('[]'))).status).toBe(200);
      const [dirty, clean] = events;
      const plain = 'x y z ';
      expect(dirty).toMatchObject({
        id: `dirty-${plain}`,
        recipient: `a${plain}@example.test`,
        messageId: plain,
        providerMessageId: plain,
        url: plain,
        userAgent: plain,
        from: plain,
        stream: plain,
        bounce: { class: 'hard', category: plain, diagnostic: plain, enhancedStatus: plain },
        tags: ['plain', plain],
        metadata: { [plain]: 'key', plain, count: '3' },
        raw: nasty,
      });
      // What the adapter read is left as it was; the clean event is the adapter's own.
      expect(read[0]?.tags[1]).toBe(nasty);
      expect(clean).toBe(read[1]);
      expect(clean?.metadata).toEqual({ k: 'v\tw' });
    });
  });
});

describe('relay.webhooks.handleRaw: what only a read body can carry', () => {
  const body = JSON.stringify([{ id: 'r1', type: 'delivered', recipient: 'a@example.test' }]);

  it('takes a string or bytes, a path or an absolute URL, Node headers or a Headers', async () => {
    const { relay, events } = setup();
    const answers = [
      await relay.webhooks.handleRaw({
        method: 'POST',
        url: '/webhooks/hooks',
        headers: { 'x-secret': 'hook-secret' },
        body,
      }),
      await relay.webhooks.handleRaw({
        method: 'post',
        url: 'https://relay.example.com/webhooks/hooks?x=1',
        headers: new Headers({ 'x-secret': 'hook-secret' }),
        body: Buffer.from(body.replace('r1', 'r2')),
      }),
    ];
    // Bytes from another realm (a vm context, a worker's transfer) are bytes all the same.
    const foreign = runInNewContext('new Uint8Array(n)', { n: body.length }) as Uint8Array;
    foreign.set(Buffer.from(body.replace('r1', 'r3')));
    answers.push(
      await relay.webhooks.handleRaw({
        method: 'POST',
        url: '/hooks',
        headers: { 'x-secret': 'hook-secret' },
        body: foreign,
      }),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(events.map((e) => e.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('counts maxWebhookBytes in UTF-8 bytes, as the Request entry reads them', async () => {
    const { provider, calls } = counted();
    const relay = createRelay({ providers: [provider], maxWebhookBytes: 1000 });
    const raw = (text: string) =>
      relay.webhooks.handleRaw({
        method: 'POST',
        url: '/hooks',
        headers: { 'x-secret': 'hook-secret' },
        body: text,
      });
    // 501 characters, 1,002 bytes.
    expect((await raw(`"${'é'.repeat(500)}`)).status).toBe(413);
    expect(calls.verify).toBe(0);
    expect((await raw(JSON.stringify([{ id: 'x', recipient: 'é'.repeat(400) }]))).status).toBe(200);
  });

  it('answers anything a caller can hand it with a documented status, never a throw', async () => {
    const { relay, events, errors } = setup();
    const hostile: unknown[] = [
      { method: 'POST', url: '/hooks', headers: {}, body: null },
      { method: 'POST', url: '/hooks', headers: { 'x-secret': 'hook-secret' }, body: 42 },
      { method: 'POST', url: 'http://[::1', headers: {}, body: '[]' },
      { method: 'POST', url: undefined, headers: {}, body: '[]' },
      {
        method: 'POST',
        url: '/hooks',
        headers: { 'x-secret': ['a', 'b'], bad: 'a\nb' },
        body: '[]',
      },
      { method: 'GET', url: '/hooks', headers: {}, body: '' },
      { method: 'POST', url: '/hooks', headers: null, body: '[]' },
    ];
    const statuses: number[] = [];
    for (const request of hostile)
      statuses.push(
        (await relay.webhooks.handleRaw(request as Parameters<typeof relay.webhooks.handleRaw>[0]))
          .status,
      );
    expect(statuses).toEqual([400, 400, 404, 404, 401, 405, 401]);
    expect(events).toEqual([]);
    expect(errors.filter((e) => e.message.includes('webhook handling failed'))).toEqual([]);
  });
});

describe('handleRaw reads Node headers as a Headers built from them reads them', () => {
  const name = fc.constantFrom('x-secret', 'X-Secret', 'content-type', 'Svix-Id', 'authorization');
  const value = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\t', ',', '=', 'é', '0') }),
    fc.constantFrom('', ' padded ', '\tx\t', 'Basic cG06cGFzcw=='),
  );
  it('gives what Headers.get gives for every name, in any case', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })))),
        (pairs) => {
          const fields: Record<string, string | string[]> = {};
          for (const [k, v] of pairs) fields[k] = v;
          const reference = new Headers();
          for (const [k, v] of Object.entries(fields))
            for (const one of Array.isArray(v) ? v : [v]) reference.append(k, one);
          const read = headersOf(fields);
          for (const asked of [
            'x-secret',
            'X-SECRET',
            'content-type',
            'svix-id',
            'authorization',
            'absent',
          ])
            expect([asked, read.get(asked)]).toEqual([asked, reference.get(asked)]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads nothing from the prototype, and takes a Headers as it is', () => {
    const read = headersOf({ 'x-secret': 's' });
    for (const asked of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(read.get(asked)).toBeNull();
    const headers = new Headers({ a: 'b' });
    expect(headersOf(headers)).toBe(headers);
  });
});
