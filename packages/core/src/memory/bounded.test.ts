import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMxRollup } from '../throttle/mx.ts';
import { BoundedMap } from './bounded.ts';
import { memoryDedupe } from './dedupe.ts';
import { memoryLedger } from './ledger.ts';
import { memoryStateStore } from './state.ts';
import { memoryStrikeStore } from './strikes.ts';
import { memorySuppressionStore } from './suppression.ts';

describe('BoundedMap', () => {
  it('keeps at least the newest maxEntries and at most an eighth more, oldest first out', () => {
    const map = new BoundedMap<number, number>({ maxEntries: 80 });
    for (let i = 0; i < 1000; i += 1) {
      map.add(i, i);
      // Whatever the moment in a generation's life, the newest 80 are there...
      for (let j = Math.max(0, i - 79); j <= i; j += 1) expect(map.get(j)).toBe(j);
      // ...and never many more (eight sealed generations of 10 and the current one).
      expect(map.size).toBeLessThanOrEqual(80 + 10);
    }
    const kept = [...map.entries()].map(([k]) => k);
    // What is left is a run of the newest: everything older went first.
    expect(kept).toEqual(kept.map((_, i) => 1000 - kept.length + i));
    expect(map.get(0)).toBeUndefined();
  });

  it('holds its bounds under any mix of set, setIfAbsent and delete (model check)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(40), value: fc.nat() }),
      fc.record({ kind: fc.constant('setIfAbsent' as const), key: fc.nat(40), value: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.array(op, { maxLength: 300 }), (max, ops) => {
        const map = new BoundedMap<number, number>({ maxEntries: max });
        // The model: each key's value and when it was last put (set, or setIfAbsent when absent).
        const model = new Map<number, { value: number; at: number }>();
        // Keys among the newest `max` ever since they were put: these must still be held (a key
        // that fell out of the newest once may have gone with its generation).
        const kept = new Set<number>();
        ops.forEach((o, at) => {
          if (o.kind === 'delete') {
            const held = map.get(o.key) !== undefined;
            expect(map.delete(o.key)).toBe(held);
            model.delete(o.key);
          } else if (o.kind === 'set') {
            map.set(o.key, o.value);
            model.set(o.key, { value: o.value, at });
            kept.add(o.key);
          } else {
            const held = map.get(o.key);
            expect(map.setIfAbsent(o.key, o.value)).toBe(held);
            if (held === undefined) {
              model.set(o.key, { value: o.value, at });
              kept.add(o.key);
            }
          }
          const newest = new Set(
            [...model]
              .sort((a, b) => b[1].at - a[1].at)
              .slice(0, max)
              .map(([k]) => k),
          );
          for (const k of kept) if (!newest.has(k)) kept.delete(k);
          for (const k of kept) expect(map.get(k)).toBe(model.get(k)?.value);
          // Whatever the map still holds is the model's value, and never much more than `max`.
          for (const [k, v] of map.entries()) expect(model.get(k)?.value).toBe(v);
          expect(map.size).toBeLessThanOrEqual(max + Math.ceil(max / 8));
          expect(map.size).toBe([...map.entries()].length);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('set moves a key to the newest generation; delete removes it', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 8 });
    map.add('kept', 1);
    for (let i = 0; i < 6; i += 1) map.add(`a${i}`, i);
    map.set('kept', 2);
    for (let i = 0; i < 6; i += 1) map.add(`b${i}`, i);
    expect(map.get('kept')).toBe(2);
    expect(map.get('a0')).toBeUndefined();
    expect(map.size).toBe([...map.entries()].length);
    map.add('kept', 3);
    expect(map.get('kept')).toBe(3);
    expect(map.delete('kept')).toBe(true);
    expect(map.get('kept')).toBeUndefined();
  });

  it('forgets entries older than maxAgeMs (plus an eighth), even without new ones', () => {
    let t = 0;
    const map = new BoundedMap<string, number>({ maxEntries: 1000, maxAgeMs: 800, now: () => t });
    map.add('old', 1);
    t = 500;
    map.add('younger', 2);
    t = 799;
    expect(map.get('old')).toBe(1);
    t = 1000;
    expect(map.get('old')).toBeUndefined();
    expect(map.get('younger')).toBe(2);
    t = 1500;
    expect(map.get('younger')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('reports what the bounds drop, not what delete removes', () => {
    const dropped: number[] = [];
    const map = new BoundedMap<number, number>({ maxEntries: 4 });
    map.onEvict = (k) => dropped.push(k);
    for (let i = 0; i < 4; i += 1) map.add(i, i);
    map.delete(3);
    for (let i = 4; i < 12; i += 1) map.add(i, i);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped).not.toContain(3);
    expect(dropped).toEqual([...dropped].sort((a, b) => a - b));
    expect(dropped[0]).toBe(0);
  });

  it('refuses bounds that keep nothing', () => {
    expect(() => new BoundedMap({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new BoundedMap({ maxEntries: 1, maxAgeMs: 0 })).toThrow(/maxAgeMs/);
  });
});

/**
 * Every memory store that holds per-message or per-address data is bounded by BoundedMap: one
 * suite checks each for eviction, oldest first, and its documented default.
 */
interface Case {
  name: string;
  /** The documented default count bound. */
  defaultMax: number;
  /** Probing changes the store (a strike counts): probe only the newest and the oldest. */
  probesMutate?: boolean;
  make(max?: number): {
    put(i: number): Promise<void>;
    has(i: number): Promise<boolean>;
  };
}

const at = new Date('2026-01-01T00:00:00Z');
const cases: Case[] = [
  {
    name: 'memoryLedger (maxMessages)',
    defaultMax: 20_000,
    make(max) {
      const ledger = memoryLedger(max === undefined ? {} : { maxMessages: max });
      return {
        put: (i) =>
          ledger.record({
            messageId: `m${i}`,
            provider: 'ses',
            providerMessageId: `p${i}`,
            recipients: [`r${i}@x.test`],
            from: 'a@shop.test',
            sentAt: at,
          }),
        has: async (i) =>
          (await ledger.byMessageId(`m${i}`)).length > 0 &&
          (await ledger.byProviderMessageId('ses', `p${i}`)) !== undefined,
      };
    },
  },
  {
    name: 'memoryStateStore (maxMessages)',
    defaultMax: 20_000,
    make(max) {
      const state = memoryStateStore(max === undefined ? {} : { maxMessages: max });
      return {
        put: async (i) => {
          await state.apply({
            id: `e${i}`,
            type: 'delivered',
            provider: 'ses',
            messageId: `m${i}`,
            recipient: `r${i}@x.test`,
            at,
            tags: [],
            metadata: {},
            raw: {},
          });
        },
        has: async (i) => (await state.get(`m${i}`)).length > 0,
      };
    },
  },
  {
    name: 'memoryDedupe (maxKeys)',
    defaultMax: 50_000,
    make(max) {
      const dedupe = memoryDedupe(max === undefined ? {} : { maxKeys: max });
      return {
        put: async (i) => {
          await dedupe.remember(`k${i}`, 60_000);
        },
        has: async (i) => (await dedupe.has?.(`k${i}`)) === true,
      };
    },
  },
  {
    name: 'memoryStrikeStore (maxAddresses)',
    defaultMax: 100_000,
    probesMutate: true,
    make(max) {
      const strikes = memoryStrikeStore({
        now: () => at.getTime(),
        ...(max === undefined ? {} : { maxAddresses: max }),
      });
      // Two strikes each; a repeated event id is not counted again, and a forgotten address
      // counts the repeat as its first.
      return {
        put: async (i) => {
          await strikes.strike(`r${i}@x.test`, at, 60_000, `e${i}`);
          await strikes.strike(`r${i}@x.test`, at, 60_000, `f${i}`);
        },
        has: async (i) => (await strikes.strike(`r${i}@x.test`, at, 60_000, `e${i}`)) === 2,
      };
    },
  },
  {
    name: 'memorySuppressionStore removals (maxRemovals)',
    defaultMax: 100_000,
    make(max) {
      const store = memorySuppressionStore(max === undefined ? {} : { maxRemovals: max });
      return {
        put: async (i) => {
          await store.add([
            { address: `r${i}@x.test`, reason: 'manual', source: {}, firstSeen: at, lastSeen: at },
          ]);
          await store.remove(`r${i}@x.test`, { by: 'test', reason: 'bound' });
        },
        has: async (i) => (await store.removals({ address: `r${i}@x.test` })).length > 0,
      };
    },
  },
  {
    name: 'createMxRollup cache (maxEntries)',
    defaultMax: 50_000,
    make(max) {
      const rollup = createMxRollup({
        resolver: async () => [{ exchange: 'mx.example.net' }],
        ...(max === undefined ? {} : { maxEntries: max }),
      });
      return {
        put: async (i) => {
          await rollup.resolve(`d${i}.org`);
        },
        has: async (i) => rollup.peek(`d${i}.org`) !== undefined,
      };
    },
  },
];

describe.each(cases)('$name', ({ make, defaultMax, probesMutate }) => {
  it('keeps the newest, evicts the oldest first, and holds its bound', async () => {
    const store = make(40);
    for (let i = 0; i < 400; i += 1) await store.put(i);
    if (probesMutate) {
      expect(await store.has(399)).toBe(true);
      expect(await store.has(0)).toBe(false);
      return;
    }
    // From the newest down, an unbroken run of at least the bound and at most an eighth more
    // (plus the current generation): nothing newer went before something older.
    let run = 0;
    while (run < 400 && (await store.has(399 - run))) run += 1;
    expect(run).toBeGreaterThanOrEqual(40);
    expect(run).toBeLessThanOrEqual(40 + 2 * 5);
    for (let i = 0; i < 400 - run; i += 1) expect(await store.has(i)).toBe(false);
  });

  it(`keeps its documented default of ${defaultMax}`, async () => {
    const store = make();
    const total = defaultMax + Math.ceil(defaultMax / 4);
    for (let i = 0; i < total; i += 1) await store.put(i);
    expect(await store.has(total - defaultMax)).toBe(true);
    expect(await store.has(0)).toBe(false);
  }, 60_000);
});
