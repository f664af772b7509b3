import {
  type CampaignRecord,
  type CampaignStore,
  type DedupeStore,
  type DeliveryEvent,
  type Ledger,
  type MessageStateStore,
  type Outbox,
  type QueuedMessage,
  type RateStore,
  type StrikeStore,
  type SuppressionStore,
} from '@relaykit/core';
import { applyEvent, type QueueDecision } from '@relaykit/core/adapter';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** The stores one backend provides; a suite runs for each one present. */
export interface StoreSet {
  suppression?: SuppressionStore;
  strikes?: StrikeStore;
  ledger?: Ledger;
  state?: MessageStateStore;
  dedupe?: DedupeStore;
  outbox?: Outbox;
  rate?: RateStore;
  campaigns?: CampaignStore;
  /**
   * A second handle on the same data (the SQLite file opened again, a new client on the same
   * Redis prefix or PostgreSQL schema), for what must survive a restart; absent for memory.
   */
  reopen?: () => Promise<ReopenedStores> | ReopenedStores;
  cleanup?: () => Promise<void> | void;
}

export interface ReopenedStores {
  campaigns?: CampaignStore;
  close: () => Promise<void> | void;
}

const day = 86_400_000;
const event = (over: Partial<DeliveryEvent>): DeliveryEvent => ({
  id: 'e',
  type: 'delivered',
  provider: 'p',
  messageId: 'm1',
  recipient: 'a@x.test',
  at: new Date(1000),
  tags: [],
  metadata: {},
  raw: null,
  ...over,
});

const campaign = (id: string, over: Partial<CampaignRecord> = {}): CampaignRecord => ({
  id,
  fingerprint: 'f'.repeat(64),
  size: 3,
  phase: 'canary',
  cohort: [2, 0],
  released: 0,
  createdAt: new Date(1_700_000_000_123),
  updatedAt: new Date(1_700_000_000_456),
  ...over,
});

const queued = (id: string, over: Partial<QueuedMessage> = {}): QueuedMessage => ({
  id,
  message: { id, subject: `s-${id}` },
  enqueuedAt: new Date(),
  dueAt: new Date(Date.now() - 1),
  expiresAt: new Date(Date.now() + day),
  attempts: 0,
  ...over,
});

/**
 * One conformance suite for every store backend (memory, sqlite, redis): the behaviour the relay
 * relies on, whatever holds the data.
 */
export function describeStores(name: string, make: () => Promise<StoreSet> | StoreSet): void {
  describe(`${name} stores`, () => {
    let stores: StoreSet;
    beforeEach(async () => {
      stores = await make();
    });
    afterEach(async () => {
      await stores.cleanup?.();
    });

    describe('suppression', () => {
      const entry = (address: string, over: Record<string, unknown> = {}) => ({
        address,
        reason: 'hard-bounce' as const,
        firstSeen: new Date(1000),
        lastSeen: new Date(1000),
        ...over,
      });

      it('checks many addresses at once, by address and by domain', async (ctx) => {
        const s = stores.suppression ?? ctx.skip();
        await s.add([entry('a@x.test'), entry('@nullmx.test', { reason: 'null-mx' })]);
        const hits = await s.check(['a@x.test', 'b@x.test', 'c@nullmx.test']);
        expect([...hits.keys()].sort()).toEqual(['a@x.test', 'c@nullmx.test']);
        expect(hits.get('c@nullmx.test')?.reason).toBe('null-mx');
      });

      it('holds a stream entry for that stream only, and drops expired entries', async (ctx) => {
        const s = stores.suppression ?? ctx.skip();
        await s.add([
          entry('u@x.test', { reason: 'unsubscribe', stream: 'outreach' }),
          entry('t@x.test', { expiresAt: new Date(5000) }),
        ]);
        expect((await s.check(['u@x.test'], { stream: 'outreach' })).size).toBe(1);
        expect((await s.check(['u@x.test'], { stream: 'transactional' })).size).toBe(0);
        expect((await s.check(['t@x.test'], { now: new Date(4000) })).size).toBe(1);
        expect((await s.check(['t@x.test'], { now: new Date(6000) })).size).toBe(0);
      });

      it('keeps firstSeen and takes the later lastSeen on a repeat', async (ctx) => {
        const s = stores.suppression ?? ctx.skip();
        await s.add([entry('a@x.test')]);
        await s.add([entry('a@x.test', { firstSeen: new Date(9000), lastSeen: new Date(9000) })]);
        const hit = (await s.check(['a@x.test'])).get('a@x.test');
        expect(hit?.firstSeen.getTime()).toBe(1000);
        expect(hit?.lastSeen.getTime()).toBe(9000);
      });

      it('removes with an audit record', async (ctx) => {
        const s = stores.suppression ?? ctx.skip();
        await s.add([entry('a@x.test')]);
        expect(
          await s.remove('a@x.test', { by: 'ops@shop.test', reason: 'confirmed by phone' }),
        ).toBe(true);
        expect(await s.remove('a@x.test', { by: 'ops@shop.test', reason: 'again' })).toBe(false);
        expect((await s.check(['a@x.test'])).size).toBe(0);
        const [removal] = await s.removals({ address: 'a@x.test' });
        expect(removal).toMatchObject({
          address: 'a@x.test',
          by: 'ops@shop.test',
          reason: 'confirmed by phone',
        });
        expect(removal?.entry.reason).toBe('hard-bounce');
      });

      it('lists every entry once across pages', async (ctx) => {
        const s = stores.suppression ?? ctx.skip();
        await s.add(
          Array.from({ length: 25 }, (_, i) => entry(`u${String(i).padStart(2, '0')}@x.test`)),
        );
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await s.list({ limit: 10, ...(cursor ? { cursor } : {}) });
          seen.push(...page.entries.map((e) => e.address));
          cursor = page.cursor;
        } while (cursor);
        expect(seen).toHaveLength(25);
        expect(new Set(seen).size).toBe(25);
      });
    });

    describe('strikes', () => {
      it('counts strikes within the window only, once per event', async (ctx) => {
        const s = stores.strikes ?? ctx.skip();
        expect(await s.strike('a@x.test', new Date(1 * day), 7 * day, 'e1')).toBe(1);
        expect(await s.strike('a@x.test', new Date(1 * day), 7 * day, 'e1')).toBe(1);
        expect(await s.strike('a@x.test', new Date(2 * day), 7 * day, 'e2')).toBe(2);
        expect(await s.strike('a@x.test', new Date(10 * day), 7 * day, 'e3')).toBe(1);
        await s.clear('a@x.test');
        expect(await s.strike('a@x.test', new Date(11 * day), 7 * day, 'e4')).toBe(1);
      });
    });

    describe('ledger', () => {
      it('maps message ids and provider message ids both ways', async (ctx) => {
        const l = stores.ledger ?? ctx.skip();
        const e = {
          messageId: 'rk_1',
          provider: 'ses',
          providerMessageId: 'p-1',
          recipients: ['a@x.test'],
          from: 'o@shop.test',
          stream: 'transactional',
          sentAt: new Date(5000),
        };
        await l.record(e);
        await l.record({
          ...e,
          provider: 'postmark',
          providerMessageId: 'p-2',
          recipients: ['b@x.test'],
          sentAt: new Date(6000),
        });
        expect(await l.byProviderMessageId('ses', 'p-1')).toEqual(e);
        expect(await l.byProviderMessageId('ses', 'p-2')).toBeUndefined();
        expect((await l.byMessageId('rk_1')).map((x) => x.provider)).toEqual(['ses', 'postmark']);
      });

      it('keeps the template id of a templated send', async (ctx) => {
        const l = stores.ledger ?? ctx.skip();
        const e = {
          messageId: 'rk_t',
          provider: 'ses',
          providerMessageId: 'p-t',
          recipients: ['a@x.test'],
          from: 'o@shop.test',
          template: 'Welcome-v2',
          sentAt: new Date(7000),
        };
        await l.record(e);
        expect(await l.byProviderMessageId('ses', 'p-t')).toEqual(e);
        expect((await l.byMessageId('rk_t'))[0]?.template).toBe('Welcome-v2');
      });
    });

    describe('dedupe', () => {
      it('says a key is new once, until it expires', async (ctx) => {
        const d = stores.dedupe ?? ctx.skip();
        expect(await d.remember('k1', 60_000)).toBe(true);
        expect(await d.remember('k1', 60_000)).toBe(false);
        expect(await d.remember('k2', 1)).toBe(true);
        await new Promise((r) => setTimeout(r, 1100));
        expect(await d.remember('k2', 60_000)).toBe(true);
      });

      it('says whether a key is held without recording it', async (ctx) => {
        const d = stores.dedupe ?? ctx.skip();
        if (!d.has) return ctx.skip();
        expect(await d.has('h1')).toBe(false);
        expect(await d.has('h1')).toBe(false);
        expect(await d.remember('h1', 60_000)).toBe(true);
        expect(await d.has('h1')).toBe(true);
        expect(await d.remember('h2', 1)).toBe(true);
        await new Promise((r) => setTimeout(r, 1100));
        expect(await d.has('h2')).toBe(false);
      });

      it('lets exactly one of many concurrent callers win', async (ctx) => {
        const d = stores.dedupe ?? ctx.skip();
        const wins = await Promise.all(
          Array.from({ length: 20 }, () => d.remember('race', 60_000)),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('message state', () => {
      it('folds events like the core state machine, ignoring duplicates and late deferrals', async (ctx) => {
        const s = stores.state ?? ctx.skip();
        await s.apply(event({ id: 'e1', type: 'accepted', at: new Date(1000) }));
        await s.apply(event({ id: 'e3', type: 'delivered', at: new Date(3000) }));
        await s.apply(event({ id: 'e2', type: 'deferred', at: new Date(2000) }));
        await s.apply(event({ id: 'e2', type: 'deferred', at: new Date(2000) }));
        const [state] = await s.get('m1');
        expect(state).toMatchObject({ status: 'delivered', deferrals: 1 });
        expect(state?.history.map((h) => h.id)).toEqual(['e1', 'e2', 'e3']);
        const direct = [
          event({ id: 'e1', type: 'accepted', at: new Date(1000) }),
          event({ id: 'e3', type: 'delivered', at: new Date(3000) }),
          event({ id: 'e2', type: 'deferred', at: new Date(2000) }),
        ].reduce((st, e) => applyEvent(st, e), {
          messageId: 'm1',
          recipient: 'a@x.test',
          status: 'unknown' as const,
          updatedAt: new Date(0),
          deferrals: 0,
          opened: false,
          clicked: false,
          history: [] as never[],
        } as Parameters<typeof applyEvent>[0]);
        expect(state?.status).toBe(direct.status);
      });
    });

    describe('rate', () => {
      const bucket = (key: string, burst: number, ratePerSec = 1) => ({
        key,
        cost: 1,
        ratePerSec,
        burst,
      });

      it('never grants more than a bucket holds, however many take at once', async (ctx) => {
        const r = stores.rate ?? ctx.skip();
        const now = 1_000_000;
        const grants = await Promise.all(
          Array.from({ length: 60 }, () => r.take([bucket('shared', 10)], now, 0)),
        );
        expect(grants.filter((g) => g.granted)).toHaveLength(10);
        const refused = grants.find((g) => !g.granted);
        expect(refused?.waitMs).toBeGreaterThan(0);
        expect(refused?.waitMs).toBeLessThanOrEqual(1000);
        // A second later one more token has come back.
        expect((await r.take([bucket('shared', 10)], now + 1000, 0)).granted).toBe(true);
        expect((await r.take([bucket('shared', 10)], now + 1000, 0)).granted).toBe(false);
      });

      it('takes from every bucket a send needs, or from none', async (ctx) => {
        const r = stores.rate ?? ctx.skip();
        const now = 2_000_000;
        expect((await r.take([bucket('domain', 1)], now, 0)).granted).toBe(true);
        expect((await r.take([bucket('domain', 1), bucket('account', 1)], now, 0)).granted).toBe(
          false,
        );
        expect((await r.take([bucket('account', 1)], now, 0)).granted).toBe(true);
      });

      it('reserves a token ahead when the wait is within maxWaitMs', async (ctx) => {
        const r = stores.rate ?? ctx.skip();
        const now = 3_000_000;
        expect(await r.take([bucket('later', 1, 10)], now, 0)).toMatchObject({
          granted: true,
          waitMs: 0,
        });
        const ahead = await r.take([bucket('later', 1, 10)], now, 500);
        expect(ahead.granted).toBe(true);
        expect(ahead.waitMs).toBe(100);
      });
    });

    describe('campaigns', () => {
      it('creates a record and returns it as stored, dates intact', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        const record = campaign('c1', { canary: { outcomes: { m1: { domain: 'x.test' } } } });
        const created = await c.create(record);
        expect(created).toEqual(record);
        expect(created.createdAt).toBeInstanceOf(Date);
        expect(created.updatedAt.getTime()).toBe(1_700_000_000_456);
        expect(await c.get('c1')).toEqual(record);
      });

      it('keeps the first record when the same id is created again', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        const first = campaign('c2');
        await c.create(first);
        const second = campaign('c2', { fingerprint: 'e'.repeat(64), phase: 'releasing' });
        expect(await c.create(second)).toEqual(first);
        expect(await c.get('c2')).toEqual(first);
      });

      it('lets one of many concurrent creates win, and every caller gets its record', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        const records = Array.from({ length: 10 }, (_, i) =>
          campaign('race', { fingerprint: String(i).repeat(64) }),
        );
        const got = await Promise.all(records.map((r) => c.create(r)));
        const stored = await c.get('race');
        expect(records.map((r) => r.fingerprint)).toContain(stored?.fingerprint);
        for (const g of got) expect(g).toEqual(stored);
      });

      it('replaces the record on save', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        await c.create(campaign('c3'));
        const later = campaign('c3', {
          phase: 'completed',
          released: 3,
          report: { status: 'completed', sent: 3 },
          updatedAt: new Date(1_700_000_009_000),
        });
        await c.save(later);
        expect(await c.get('c3')).toEqual(later);
        expect(await c.get('unknown')).toBeUndefined();
      });

      it('hands out copies: changing a record read back does not change the store', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        const created = await c.create(campaign('c4'));
        created.released = 99;
        created.cohort.push(7);
        const read = await c.get('c4');
        expect(read).toEqual(campaign('c4'));
        if (!read) return;
        read.updatedAt.setTime(0);
        expect((await c.get('c4'))?.updatedAt.getTime()).toBe(1_700_000_000_456);
      });

      it('keeps records across a reopen of the store', async (ctx) => {
        const c = stores.campaigns ?? ctx.skip();
        if (!stores.reopen) return ctx.skip();
        const saved = campaign('c5', { phase: 'releasing', released: 2 });
        await c.create(campaign('c5'));
        await c.save(saved);
        const again = await stores.reopen();
        try {
          expect(await again.campaigns?.get('c5')).toEqual(saved);
          // The reopened handle sees the stored record win over a fresh create.
          expect(await again.campaigns?.create(campaign('c5'))).toEqual(saved);
        } finally {
          await again.close();
        }
      });
    });

    describe('outbox', () => {
      async function drain(
        o: Outbox,
        decide: (m: QueuedMessage) => QueueDecision,
        until: () => Promise<boolean>,
      ) {
        const seen: string[] = [];
        const consumer = o.consume(
          async (m) => {
            seen.push(m.id);
            return decide(m);
          },
          { concurrency: 4, pollMs: 5, leaseMs: 200 },
        );
        const started = Date.now();
        while (!(await until()) && Date.now() - started < 5000)
          await new Promise((r) => setTimeout(r, 10));
        await consumer.stop();
        return seen;
      }

      it('hands out each due message once and records the decision', async (ctx) => {
        const o = stores.outbox ?? ctx.skip();
        await o.enqueue([
          queued('a'),
          queued('b'),
          queued('later', { dueAt: new Date(Date.now() + day) }),
        ]);
        await o.enqueue([queued('a')]);
        const seen = await drain(
          o,
          (m) =>
            m.id === 'a'
              ? { type: 'done', status: 'sent' }
              : { type: 'done', status: 'dead', reason: 'message-rejected' },
          async () => (await o.counts()).queued === 1,
        );
        expect(seen.sort()).toEqual(['a', 'b']);
        expect(await o.counts()).toMatchObject({ queued: 1, sent: 1, dead: 1, inFlight: 0 });
        expect((await o.get('a'))?.message).toEqual({ id: 'a', subject: 's-a' });
        expect((await o.deadLetters()).map((d) => [d.id, d.reason])).toEqual([
          ['b', 'message-rejected'],
        ]);
      });

      it('tells when the oldest waiting message was enqueued (none in flight or finished)', async (ctx) => {
        const o = stores.outbox ?? ctx.skip();
        if (!o.oldestQueued) return ctx.skip();
        expect(await o.oldestQueued()).toBeUndefined();
        const t = Date.now();
        await o.enqueue([
          queued('newer', { enqueuedAt: new Date(t - 1_000) }),
          queued('older', { enqueuedAt: new Date(t - 60_000) }),
        ]);
        expect((await o.oldestQueued())?.getTime()).toBe(t - 60_000);
        await drain(
          o,
          () => ({ type: 'done', status: 'sent' }),
          async () => (await o.counts()).sent === 2,
        );
        expect(await o.oldestQueued()).toBeUndefined();
        // Enqueueing a finished message again is a no-op: nothing waits.
        await o.enqueue([queued('older', { enqueuedAt: new Date(t - 60_000) })]);
        expect(await o.oldestQueued()).toBeUndefined();
      });

      it('reschedules a retry for later with its error and attempt count', async (ctx) => {
        const o = stores.outbox ?? ctx.skip();
        await o.enqueue([queued('r')]);
        const at = new Date(Date.now() + 60_000);
        await drain(
          o,
          () => ({ type: 'retry', at, error: { kind: 'transient', message: '503' } }),
          async () => (await o.get('r'))?.attempts === 1,
        );
        const r = await o.get('r');
        expect(r).toMatchObject({
          status: 'queued',
          attempts: 1,
          lastError: { kind: 'transient', message: '503' },
        });
        expect(r?.dueAt.getTime()).toBe(at.getTime());
      });

      it('hands a message out again when its consumer dies holding it', async (ctx) => {
        const o = stores.outbox ?? ctx.skip();
        await o.enqueue([queued('crash')]);
        // A consumer that never answers: its lease runs out.
        const stuck = o.consume(() => new Promise<QueueDecision>(() => undefined), {
          concurrency: 1,
          pollMs: 5,
          leaseMs: 100,
        });
        await new Promise((r) => setTimeout(r, 30));
        void stuck;
        const seen = await drain(
          o,
          () => ({ type: 'done', status: 'sent' }),
          async () => (await o.get('crash'))?.status === 'sent',
        );
        expect(seen).toContain('crash');
      });
    });
  });
}
