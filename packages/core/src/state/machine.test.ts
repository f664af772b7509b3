import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRelay,
  deliveryEventTypes,
  type DeliveryEvent,
  type RecipientState,
} from '../index.ts';
import { applyEvent, initialState } from '../adapter.ts';
import { testingProvider } from '../testing/index.ts';

const t0 = Date.parse('2025-03-01T00:00:00Z');
const event = (
  id: string,
  type: DeliveryEvent['type'],
  atMs: number,
  provider = 'p1',
): DeliveryEvent => ({
  id,
  type,
  provider,
  messageId: 'm1',
  recipient: 'a@x.test',
  at: new Date(t0 + atMs),
  tags: [],
  metadata: {},
  raw: null,
});
const fold = (events: readonly DeliveryEvent[]): RecipientState =>
  events.reduce(applyEvent, initialState('m1', 'a@x.test'));
const view = (s: RecipientState) => ({ ...s, history: s.history.map((h) => h.id) });

describe('message state', () => {
  it('a late deferral never overrides delivered, even when it carries a later time', () => {
    const delivered = fold([
      event('1', 'accepted', 0),
      event('2', 'delivered', 10),
      event('3', 'deferred', 20),
    ]);
    expect(delivered).toMatchObject({ status: 'delivered', deferrals: 1 });
  });

  it('engagement keeps the state delivered and sets flags; bounces and complaints outrank delivery', () => {
    expect(fold([event('1', 'clicked', 5), event('2', 'delivered', 1)])).toMatchObject({
      status: 'delivered',
      opened: true,
      clicked: true,
    });
    expect(fold([event('1', 'bounced', 1), event('2', 'delivered', 5)]).status).toBe('bounced');
    expect(fold([event('1', 'complained', 1), event('2', 'bounced', 5)]).status).toBe('complained');
  });

  it('ignores a duplicate id', () => {
    const once = fold([event('1', 'deferred', 0)]);
    expect(applyEvent(once, event('1', 'deferred', 0))).toBe(once);
  });

  it('any arrival order of the same events ends in the same state', () => {
    const events = fc.uniqueArray(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 4 }),
        type: fc.constantFrom(...deliveryEventTypes),
        at: fc.integer({ min: 0, max: 20 }),
        provider: fc.constantFrom('p1', 'p2'),
      }),
      { selector: (e) => e.id, maxLength: 12 },
    );
    fc.assert(
      fc.property(events, fc.array(fc.nat()), (raw, keys) => {
        const list = raw.map((e) => event(e.id, e.type, e.at, e.provider));
        const shuffled = list
          .map((e, i) => [keys[i] ?? i, e] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, e]) => e);
        expect(view(fold(shuffled))).toEqual(view(fold(list)));
      }),
      { numRuns: 2000 },
    );
  });

  it('relay.status answers per recipient, case-insensitively', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await relay.ingest([
      { ...event('1', 'delivered', 0), recipient: 'A@X.test' },
      { ...event('2', 'deferred', 5), recipient: 'a@x.test' },
    ]);
    expect(await relay.status('m1')).toEqual([
      expect.objectContaining({
        recipient: 'a@x.test',
        status: 'delivered',
        deferrals: 1,
        provider: 'p1',
      }),
    ]);
  });
});
