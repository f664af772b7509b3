/**
 * The one eviction scheme of relaykit's in-process stores (ledger, message state, event dedupe,
 * soft-bounce strikes, suppression removals, throttle budgets, MX cache): a map bounded by count
 * and, optionally, by age, whose oldest entries go first.
 *
 * Entries live in generations. New entries go into the current generation; it is sealed when it
 * holds an eighth of `maxEntries` or is an eighth of `maxAgeMs` old, and a new one begins. The
 * oldest sealed generation is dropped whole once the newer sealed ones hold `maxEntries`, or once
 * it was sealed more than `maxAgeMs` ago. So at least the newest `maxEntries` entries (and every
 * entry younger than `maxAgeMs`, up to the count bound) are kept, and at most about an eighth more;
 * nothing is older than `maxAgeMs` plus an eighth of it.
 *
 * Why generations rather than evicting one entry per insertion: an insertion is one Map.set into a
 * map small enough to stay in cache, and no deletion (evicting one at a time through
 * `map.keys().next()` walks the deleted slots and cost a send a tenth of its time); dropping a
 * generation is dropping one Map. A lookup asks at most ten maps, newest first.
 */
export interface Bounds {
  /** Entries kept at least (the newest); about an eighth more at most. */
  maxEntries: number;
  /** Entries older than this (plus an eighth) are forgotten. @default no age bound */
  maxAgeMs?: number;
  now?: () => number;
}

/** Eighths: how many generations share the bound (finer costs lookups, coarser costs memory). */
const parts = 8;

interface Generation<K, V> {
  map: Map<K, V>;
  /** When its first and its newest entry went in (0 without an age bound). */
  startedAt: number;
  lastAt: number;
}

export class BoundedMap<K, V> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly #perGeneration: number;
  readonly #ageStep: number;
  readonly #timed: boolean;
  readonly #now: () => number;
  #current: Generation<K, V> = { map: new Map(), startedAt: 0, lastAt: 0 };
  /** Sealed generations, oldest first. */
  #sealed: Array<Generation<K, V>> = [];
  #sealedSize = 0;
  /** Called with each entry dropped by the bounds (not by `delete`), e.g. to tidy an index. */
  onEvict: ((key: K, value: V) => void) | undefined;

  constructor(bounds: Bounds) {
    if (!(bounds.maxEntries >= 1))
      throw new RangeError(`maxEntries must be at least 1 (got ${bounds.maxEntries})`);
    if (bounds.maxAgeMs !== undefined && !(bounds.maxAgeMs > 0))
      throw new RangeError(`maxAgeMs must be positive (got ${bounds.maxAgeMs})`);
    this.maxEntries = Math.floor(bounds.maxEntries);
    this.maxAgeMs = bounds.maxAgeMs ?? Number.POSITIVE_INFINITY;
    this.#timed = bounds.maxAgeMs !== undefined;
    this.#perGeneration = Math.max(1, Math.ceil(this.maxEntries / parts));
    this.#ageStep = this.maxAgeMs / parts;
    this.#now = bounds.now ?? Date.now;
  }

  /** Entries held (a shadowed older copy, see `add`, counts too). */
  get size(): number {
    return this.#sealedSize + this.#current.map.size;
  }

  /** The newest value of `key`, or undefined. */
  get(key: K): V | undefined {
    if (this.#timed) this.#expire(this.#now());
    const found = this.#current.map.get(key);
    if (found !== undefined) return found;
    for (let i = this.#sealed.length - 1; i >= 0; i -= 1) {
      const older = (this.#sealed[i] as Generation<K, V>).map.get(key);
      if (older !== undefined) return older;
    }
    return undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Puts `key` in the newest generation, so it is the last to go; an older copy is removed. Use
   * `add` for a key known to be new.
   */
  set(key: K, value: V): this {
    if (!this.#current.map.has(key)) {
      for (const g of this.#sealed) {
        if (g.map.delete(key)) {
          this.#sealedSize -= 1;
          break;
        }
      }
    }
    return this.add(key, value);
  }

  /**
   * Puts `key` in the newest generation without looking for an older copy (one Map.set): for keys
   * that are new by construction (generated ids). An older copy, if any, is shadowed until its
   * generation goes.
   */
  add(key: K, value: V): this {
    const t = this.#timed ? this.#now() : 0;
    let current = this.#current;
    if (
      current.map.size >= this.#perGeneration ||
      (this.#timed && current.map.size > 0 && t - current.startedAt >= this.#ageStep)
    ) {
      this.#rotate();
      current = this.#current;
    }
    if (this.#timed) this.#expire(t);
    if (current.map.size === 0) current.startedAt = t;
    current.lastAt = t;
    current.map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    let deleted = this.#current.map.delete(key);
    for (const g of this.#sealed) {
      if (g.map.delete(key)) {
        this.#sealedSize -= 1;
        deleted = true;
      }
    }
    return deleted;
  }

  clear(): void {
    this.#sealed = [];
    this.#sealedSize = 0;
    this.#current = { map: new Map(), startedAt: 0, lastAt: 0 };
  }

  /** Every entry, oldest generation first (a shadowed older copy is included). */
  *entries(): IterableIterator<[K, V]> {
    for (const g of [...this.#sealed, this.#current]) yield* g.map;
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  #rotate(): void {
    const sealed = this.#current;
    this.#sealed.push(sealed);
    this.#sealedSize += sealed.map.size;
    this.#current = { map: new Map(), startedAt: 0, lastAt: 0 };
    // The oldest goes once the newer sealed ones hold the bound on their own.
    while (
      this.#sealed.length > 0 &&
      this.#sealedSize - (this.#sealed[0] as Generation<K, V>).map.size >= this.maxEntries
    )
      this.#drop();
  }

  /** Drops the generations whose newest entry is older than `maxAgeMs`. */
  #expire(t: number): void {
    const cutoff = t - this.maxAgeMs;
    while (this.#sealed.length > 0 && (this.#sealed[0] as Generation<K, V>).lastAt <= cutoff)
      this.#drop();
    const current = this.#current;
    if (this.#sealed.length === 0 && current.map.size > 0 && current.lastAt <= cutoff) {
      this.#current = { map: new Map(), startedAt: 0, lastAt: 0 };
      this.#evictAll(current.map);
    }
  }

  #drop(): void {
    const oldest = this.#sealed.shift() as Generation<K, V>;
    this.#sealedSize -= oldest.map.size;
    this.#evictAll(oldest.map);
  }

  #evictAll(map: Map<K, V>): void {
    const evicted = this.onEvict;
    if (evicted !== undefined) for (const [k, v] of map) evicted(k, v);
  }
}
