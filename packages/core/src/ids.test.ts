import { describe, expect, it } from 'vitest';
import { newId, newMessageId } from './ids.ts';

describe('ids', () => {
  it('are unique across many pool refills, within one millisecond too', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50_000; i += 1) ids.add(newMessageId(1_700_000_000_000));
    for (let i = 0; i < 50_000; i += 1) ids.add(newMessageId());
    expect(ids.size).toBe(100_000);
    for (const id of [...ids].slice(0, 100)) expect(id).toMatch(/^rk_[0-9a-z]{9}[0-9a-f]{16}$/u);
  });

  it('sort by the time they were made', () => {
    const times = [0, 1, 35, 1_700_000_000_000, 1_700_000_000_001, 4_000_000_000_000];
    const ids = times.map((t) => newMessageId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(newMessageId(1_700_000_000_000).slice(0, 12)).toBe(ids[3]?.slice(0, 12));
  });

  it('carry their prefix', () => {
    expect(newId('evt')).toMatch(/^evt_[0-9a-f]{24}$/u);
    expect(newId('evt')).not.toBe(newId('evt'));
  });
});
