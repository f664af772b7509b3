import type { StrikeStore } from '../stores.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryStrikeOptions {
  now?: () => number;
  /** Most strikes kept per address (the newest). @default 64 */
  maxPerAddress?: number;
  /**
   * Addresses with strikes kept: at least this many, the most recently struck; the others go first
   * (memory/bounded.ts). @default 100000
   */
  maxAddresses?: number;
  /**
   * Addresses not struck for this long are forgotten: twice the policy's default soft-bounce
   * window, so no verdict within a window is lost. @default 14 days
   */
  maxAgeMs?: number;
}

interface Strike {
  at: number;
  id: string;
}

/**
 * In-process soft-bounce strikes. `strike` answers with the most strikes in any window of
 * `windowMs` that holds the new one, so events arriving out of order reach the same verdict as
 * in order. Bounded by address count and age (memory/bounded.ts).
 */
export function memoryStrikeStore(options: MemoryStrikeOptions = {}): StrikeStore {
  const clock = options.now ?? Date.now;
  const maxPerAddress = options.maxPerAddress ?? 64;
  const strikes = new BoundedMap<string, Strike[]>({
    maxEntries: options.maxAddresses ?? 100_000,
    maxAgeMs: options.maxAgeMs ?? 14 * 24 * 60 * 60 * 1000,
    now: clock,
  });

  return {
    async strike(address, at, windowMs, eventId) {
      const key = address.toLowerCase();
      const t = at.getTime();
      // Struck again: the address moves to the newest generation, the last to be forgotten.
      const list = strikes.get(key) ?? [];
      strikes.set(key, list);
      if (!list.some((s) => s.id === eventId)) {
        // Sorted by time; ties by id so the order of arrival never matters.
        const index = list.findIndex((s) => s.at > t || (s.at === t && s.id > eventId));
        list.splice(index === -1 ? list.length : index, 0, { at: t, id: eventId });
        if (list.length > maxPerAddress) list.splice(0, list.length - maxPerAddress);
      }
      let most = 0;
      for (let i = 0; i < list.length; i += 1) {
        const from = (list[i] as Strike).at;
        if (from > t) break;
        if (from < t - windowMs) continue;
        let count = 0;
        for (let j = i; j < list.length && (list[j] as Strike).at <= from + windowMs; j += 1)
          count += 1;
        most = Math.max(most, count);
      }
      return most;
    },
    async clear(address) {
      strikes.delete(address.toLowerCase());
    },
  };
}
