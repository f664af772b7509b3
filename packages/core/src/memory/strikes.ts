import type { StrikeStore } from '../stores.ts';

export interface MemoryStrikeOptions {
  now?: () => number;
  /** Most strikes kept per address (the newest). @default 64 */
  maxPerAddress?: number;
}

interface Strike {
  at: number;
  id: string;
}

/**
 * In-process soft-bounce strikes. `strike` answers with the most strikes in any window of
 * `windowMs` that holds the new one, so events arriving out of order reach the same verdict as
 * in order. Addresses whose newest strike is older than two windows are swept now and then.
 */
export function memoryStrikeStore(options: MemoryStrikeOptions = {}): StrikeStore {
  const clock = options.now ?? Date.now;
  const maxPerAddress = options.maxPerAddress ?? 64;
  const strikes = new Map<string, Strike[]>();
  let lastWindow = 0;
  let sinceSweep = 0;

  function sweep() {
    const cutoff = clock() - 2 * lastWindow;
    for (const [address, list] of strikes) {
      if ((list.at(-1)?.at ?? 0) < cutoff) strikes.delete(address);
    }
  }

  return {
    async strike(address, at, windowMs, eventId) {
      const key = address.toLowerCase();
      const t = at.getTime();
      let list = strikes.get(key);
      if (!list) strikes.set(key, (list = []));
      if (!list.some((s) => s.id === eventId)) {
        // Sorted by time; ties by id so the order of arrival never matters.
        const index = list.findIndex((s) => s.at > t || (s.at === t && s.id > eventId));
        list.splice(index === -1 ? list.length : index, 0, { at: t, id: eventId });
        if (list.length > maxPerAddress) list.splice(0, list.length - maxPerAddress);
      }
      lastWindow = Math.max(lastWindow, windowMs);
      if ((sinceSweep += 1) >= 10_000) {
        sinceSweep = 0;
        sweep();
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
