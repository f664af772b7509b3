import type { DedupeStore } from '../stores.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryDedupeOptions {
  /**
   * Most keys held: at least this many of the newest, about an eighth more at most; the oldest go
   * first past it (memory/bounded.ts), even before their time to live. Size it to the events a
   * provider may redeliver within its retry window. @default 50000
   */
  maxKeys?: number;
  now?: () => number;
}

/** In-process dedupe with expiry, bounded so a flood of unique keys cannot exhaust memory. */
export function memoryDedupe(options: MemoryDedupeOptions = {}): DedupeStore {
  const now = options.now ?? Date.now;
  // Key → when it expires.
  const keys = new BoundedMap<string, number>({ maxEntries: options.maxKeys ?? 50_000, now });
  return {
    async has(key) {
      const expires = keys.get(key);
      return expires !== undefined && expires > now();
    },
    async remember(key, ttlMs) {
      const t = now();
      // A new key (the rule) is one Map lookup; a held one is read and, once expired, renewed.
      const expires = keys.setIfAbsent(key, t + ttlMs);
      if (expires === undefined) return true;
      if (expires > t) return false;
      keys.set(key, t + ttlMs);
      return true;
    },
  };
}
