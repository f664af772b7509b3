import { RelayError } from '../errors.ts';
import { BoundedMap } from './bounded.ts';
import type { SuppressionEntry, SuppressionRemoval, SuppressionStore } from '../stores.ts';

export interface MemorySuppressionOptions {
  /** The clock for expiry when a call passes no `now`. */
  now?: () => number;
  /**
   * Removal records kept (the audit trail of `remove`): at least this many of the newest, about an
   * eighth more at most; the oldest go first past it (memory/bounded.ts). The entries themselves are
   * never evicted: forgetting one would send to an address that asked not to be mailed.
   * @default 100_000
   */
  maxRemovals?: number;
}

interface Held {
  entry: SuppressionEntry;
  /** expiresAt in ms, Infinity when the entry does not expire (one comparison in the hot loop). */
  expires: number;
  /** Position in `order`, for paging. */
  seq: number;
}

const global = '';

/**
 * An in-process suppression list built for the send path: a batch check is one or two Map
 * lookups per address (address, then `@domain` only when domain entries exist), so a
 * million-entry list checks millions of addresses a second.
 */
export function memorySuppressionStore(options: MemorySuppressionOptions = {}): SuppressionStore {
  const clock = options.now ?? Date.now;
  const maxRemovals = options.maxRemovals ?? 100_000;
  // Scope ('' = every stream, else a stream name) → lower-case address or '@domain' → entry.
  const scopes = new Map<string, Map<string, Held>>([[global, new Map()]]);
  const everyStream = scopes.get(global) as Map<string, Held>;
  // Hashes of the domains with a domain-level entry: a miss costs no string slice unless its
  // domain hash is here (stale hashes after removals only cost a lookup).
  const domainHashes = new Set<number>();
  // Insertion order for paging; removed slots are undefined until the next compaction.
  let order: Array<Held | undefined> = [];
  let holes = 0;
  let generation = 0;
  const removed = new BoundedMap<number, SuppressionRemoval>({ maxEntries: maxRemovals });
  let removals = 0;

  const scopeOf = (stream: string | undefined) => {
    const name = stream ?? global;
    let scope = scopes.get(name);
    if (!scope) scopes.set(name, (scope = new Map()));
    return scope;
  };

  function compact() {
    order = order.filter((h): h is Held => h !== undefined);
    order.forEach((h, i) => {
      if (h) h.seq = i;
    });
    holes = 0;
    generation += 1;
  }

  return {
    async check(addresses, checkOptions = {}) {
      const now = checkOptions.now?.getTime() ?? clock();
      const scoped =
        checkOptions.stream === undefined ? undefined : scopes.get(checkOptions.stream);
      const streamScope = scoped !== undefined && scoped.size > 0 ? scoped : undefined;
      const hits = new Map<string, SuppressionEntry>();
      // The hot loop of every send: plain comparisons, no closures, no allocation on a miss
      // unless the address's domain may hold a domain entry.
      for (const address of addresses) {
        const key = address.toLowerCase();
        let held = everyStream.get(key);
        if (held !== undefined && held.expires <= now) held = undefined;
        if (held === undefined && streamScope !== undefined) {
          held = streamScope.get(key);
          if (held !== undefined && held.expires <= now) held = undefined;
        }
        if (held === undefined && domainHashes.size > 0 && domainHashes.has(domainHash(key))) {
          const domain = key.slice(key.lastIndexOf('@'));
          held = everyStream.get(domain);
          if ((held === undefined || held.expires <= now) && streamScope !== undefined)
            held = streamScope.get(domain);
          if (held !== undefined && held.expires <= now) held = undefined;
        }
        if (held !== undefined) hits.set(address, held.entry);
      }
      return hits;
    },

    async add(entries) {
      const now = clock();
      for (const input of entries) {
        const address = typeof input.address === 'string' ? input.address.trim().toLowerCase() : '';
        if (!address.includes('@') || address.endsWith('@')) {
          throw new RelayError({
            kind: 'invalid',
            field: 'address',
            message: `cannot suppress "${String(input.address)}": give an address (local@domain) or a whole domain (@domain)`,
          });
        }
        const scope = scopeOf(input.stream);
        const existing = scope.get(address);
        const incoming: SuppressionEntry = { ...input, address };
        if (existing && existing.expires > now) {
          const newer = incoming.lastSeen >= existing.entry.lastSeen ? incoming : existing.entry;
          const older = newer === incoming ? existing.entry : incoming;
          const merged: SuppressionEntry = {
            ...newer,
            firstSeen: older.firstSeen < newer.firstSeen ? older.firstSeen : newer.firstSeen,
          };
          // Either entry without expiry makes the merged one permanent.
          const expiresAt =
            existing.entry.expiresAt && incoming.expiresAt
              ? existing.entry.expiresAt > incoming.expiresAt
                ? existing.entry.expiresAt
                : incoming.expiresAt
              : undefined;
          if (expiresAt) merged.expiresAt = expiresAt;
          else delete merged.expiresAt;
          existing.entry = Object.freeze(merged);
          existing.expires = expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY;
          continue;
        }
        const held: Held = {
          entry: Object.freeze(incoming),
          expires: incoming.expiresAt ? incoming.expiresAt.getTime() : Number.POSITIVE_INFINITY,
          seq: order.length,
        };
        if (existing) {
          order[existing.seq] = undefined;
          holes += 1;
        } else if (address.startsWith('@')) {
          domainHashes.add(domainHash(address));
        }
        scope.set(address, held);
        order.push(held);
      }
      if (holes > 1024 && holes > order.length / 2) compact();
    },

    async remove(address, removeOptions) {
      const key = address.trim().toLowerCase();
      const scope = scopes.get(removeOptions.stream ?? global);
      const held = scope?.get(key);
      if (!scope || !held) return false;
      scope.delete(key);
      order[held.seq] = undefined;
      holes += 1;
      removed.add((removals += 1), {
        address: key,
        ...(removeOptions.stream === undefined ? {} : { stream: removeOptions.stream }),
        removedAt: removeOptions.now ?? new Date(clock()),
        by: removeOptions.by,
        reason: removeOptions.reason,
        entry: held.entry,
      });
      return true;
    },

    async list(listOptions = {}) {
      const limit = Math.max(1, Math.min(listOptions.limit ?? 100, 10_000));
      const now = clock();
      let start = 0;
      if (listOptions.cursor !== undefined) start = resume(listOptions.cursor);
      const matches = (held: Held | undefined): held is Held =>
        held !== undefined &&
        held.expires > now &&
        (listOptions.stream === undefined || held.entry.stream === listOptions.stream);
      const entries: SuppressionEntry[] = [];
      let i = start;
      let lastIndex = -1;
      for (; i < order.length && entries.length < limit; i += 1) {
        const held = order[i];
        if (!matches(held)) continue;
        entries.push(held.entry);
        lastIndex = i;
      }
      // One more match after the page means there is a next page.
      while (i < order.length && !matches(order[i])) i += 1;
      return i < order.length && lastIndex >= 0
        ? { entries, cursor: cursorOf(lastIndex) }
        : { entries };
    },

    async removals(removalOptions = {}) {
      const key = removalOptions.address?.trim().toLowerCase();
      const limit = removalOptions.limit ?? 100;
      const out: SuppressionRemoval[] = [];
      const records = [...removed.values()];
      for (let i = records.length - 1; i >= 0 && out.length < limit; i -= 1) {
        const record = records[i] as SuppressionRemoval;
        if (key === undefined || record.address === key) out.push(record);
      }
      return out;
    },
  };

  // A cursor names the last position returned and the entry there, so it survives a compaction.
  function cursorOf(index: number): string {
    const held = order[index];
    const key = held ? `${held.entry.stream ?? ''}\u0000${held.entry.address}` : '';
    return Buffer.from(JSON.stringify([generation, index, key])).toString('base64url');
  }

  function resume(cursor: string): number {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (
      !Array.isArray(parsed) ||
      typeof parsed[0] !== 'number' ||
      typeof parsed[1] !== 'number' ||
      typeof parsed[2] !== 'string'
    ) {
      throw new RelayError({
        kind: 'invalid',
        field: 'cursor',
        message:
          'suppression list cursor is not one this store returned; list again without a cursor',
      });
    }
    const [gen, index, key] = parsed as [number, number, string];
    if (gen === generation) return index + 1;
    const [stream, address] = key.split('\u0000') as [string, string];
    const held = scopes.get(stream)?.get(address);
    if (!held)
      throw new RelayError({
        kind: 'invalid',
        field: 'cursor',
        message: 'the suppression list changed under this cursor; list again without a cursor',
      });
    return held.seq + 1;
  }
}

/** FNV-1a over the domain part (after the last '@'), read from the end so no string is built. */
function domainHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = key.length - 1; i >= 0; i -= 1) {
    const c = key.charCodeAt(i);
    if (c === 64) break;
    hash = Math.imul(hash ^ c, 16777619);
  }
  return hash;
}
