import type { DedupeStore } from '../stores.ts';

export interface MemoryDedupeOptions {
  /** Most keys held; the oldest go first past it. */
  maxKeys?: number;
  now?: () => number;
}

/** In-process dedupe with expiry, bounded so a flood of unique keys cannot exhaust memory. */
export function memoryDedupe(options: MemoryDedupeOptions = {}): DedupeStore {
  const maxKeys = options.maxKeys ?? 1_000_000;
  const now = options.now ?? Date.now;
  // Map keeps insertion order, so the first entries are the oldest.
  const keys = new Map<string, number>();
  return {
    async has(key) {
      const expires = keys.get(key);
      return expires !== undefined && expires > now();
    },
    async remember(key, ttlMs) {
      const t = now();
      const expires = keys.get(key);
      if (expires !== undefined && expires > t) return false;
      keys.delete(key);
      keys.set(key, t + ttlMs);
      if (keys.size > maxKeys) {
        for (const [k, exp] of keys) {
          if (keys.size <= maxKeys && exp > t) break;
          keys.delete(k);
        }
      }
      return true;
    },
  };
}
