import { describe, expect, it } from 'vitest';
import { memorySuppressionStore, type SuppressionEntry } from '../index.ts';

const at = new Date('2025-03-01T00:00:00Z');
const entry = (address: string, extra: Partial<SuppressionEntry> = {}): SuppressionEntry => ({
  address,
  reason: 'hard-bounce',
  firstSeen: at,
  lastSeen: at,
  ...extra,
});

describe('memorySuppressionStore', () => {
  it('checks many addresses at once: address, @domain, per stream, case-insensitive', async () => {
    const store = memorySuppressionStore();
    await store.add([
      entry('a@x.test'),
      entry('@dead.test', { reason: 'null-mx' }),
      entry('u@x.test', { reason: 'unsubscribe', stream: 'outreach' }),
    ]);
    const hits = await store.check(['A@x.test', 'b@x.test', 'anyone@dead.test', 'u@x.test']);
    expect([...hits.keys()]).toEqual(['A@x.test', 'anyone@dead.test']);
    expect(hits.get('anyone@dead.test')?.address).toBe('@dead.test');
    expect([...(await store.check(['u@x.test'], { stream: 'outreach' })).keys()]).toEqual([
      'u@x.test',
    ]);
    expect((await store.check(['u@x.test'], { stream: 'transactional' })).size).toBe(0);
  });

  it('honours expiry', async () => {
    let now = at.getTime();
    const store = memorySuppressionStore({ now: () => now });
    await store.add([entry('a@x.test', { expiresAt: new Date(now + 1000) })]);
    expect((await store.check(['a@x.test'])).size).toBe(1);
    now += 1000;
    expect((await store.check(['a@x.test'])).size).toBe(0);
    expect((await store.list()).entries).toEqual([]);
  });

  it('re-adding keeps firstSeen, takes the later lastSeen and reason, and a permanent entry wins over an expiring one', async () => {
    const store = memorySuppressionStore({ now: () => at.getTime() });
    const later = new Date(at.getTime() + 5000);
    await store.add([
      entry('a@x.test', {
        reason: 'soft-bounce-limit',
        expiresAt: new Date(at.getTime() + 60_000),
      }),
    ]);
    await store.add([
      entry('a@x.test', { reason: 'complaint', firstSeen: later, lastSeen: later }),
    ]);
    const [held] = (await store.list()).entries;
    expect(held).toMatchObject({ reason: 'complaint', firstSeen: at, lastSeen: later });
    expect(held?.expiresAt).toBeUndefined();
  });

  it('refuses an entry that is not an address or @domain', async () => {
    await expect(memorySuppressionStore().add([entry('nobody')])).rejects.toMatchObject({
      kind: 'invalid',
      field: 'address',
    });
  });

  it('removes with an audit record, newest first', async () => {
    const store = memorySuppressionStore();
    await store.add([
      entry('a@x.test'),
      entry('a@x.test', { stream: 'news', reason: 'unsubscribe' }),
    ]);
    expect(
      await store.remove('a@x.test', { stream: 'news', by: 'ops', reason: 'resubscribed' }),
    ).toBe(true);
    expect(await store.remove('A@x.test', { by: 'ops', reason: 'confirmed address' })).toBe(true);
    expect(await store.remove('a@x.test', { by: 'ops', reason: 'twice' })).toBe(false);
    const removals = await store.removals({ address: 'a@x.test' });
    expect(removals.map((r) => [r.stream, r.reason, r.entry.reason])).toEqual([
      [undefined, 'confirmed address', 'hard-bounce'],
      ['news', 'resubscribed', 'unsubscribe'],
    ]);
    expect((await store.check(['a@x.test'], { stream: 'news' })).size).toBe(0);
  });

  it('pages through the list with a cursor that survives removals and compaction', async () => {
    const store = memorySuppressionStore();
    await store.add(Array.from({ length: 5000 }, (_, i) => entry(`u${i}@x.test`)));
    const first = await store.list({ limit: 1000 });
    expect(first.entries).toHaveLength(1000);
    // Remove most of what follows: the store compacts its order under the cursor.
    for (let i = 1000; i < 4000; i += 1)
      await store.remove(`u${i}@x.test`, { by: 't', reason: 't' });
    const seen = [...first.entries];
    let cursor = first.cursor;
    while (cursor !== undefined) {
      const page = await store.list({ cursor, limit: 300 });
      seen.push(...page.entries);
      cursor = page.cursor;
    }
    expect(seen.map((e) => e.address)).toEqual([
      ...Array.from({ length: 1000 }, (_, i) => `u${i}@x.test`),
      ...Array.from({ length: 1000 }, (_, i) => `u${i + 4000}@x.test`),
    ]);
    await expect(store.list({ cursor: 'garbage' })).rejects.toMatchObject({
      kind: 'invalid',
      field: 'cursor',
    });
  });

  it('lists one stream', async () => {
    const store = memorySuppressionStore();
    await store.add([
      entry('a@x.test'),
      entry('b@x.test', { stream: 'news', reason: 'unsubscribe' }),
    ]);
    expect((await store.list({ stream: 'news' })).entries.map((e) => e.address)).toEqual([
      'b@x.test',
    ]);
  });
});
