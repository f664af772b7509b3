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
 * One Map holds every entry, so a lookup (a hit or a miss) is one Map.get whatever the number of
 * generations; a generation is the list of keys that went in while it was current, and dropping it
 * deletes those of its keys that were not set again since. An insertion is one Map.set and one
 * array push; nothing walks the map (evicting one at a time through `map.keys().next()` walks the
 * deleted slots and cost a send a tenth of its time).
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

interface Generation<K> {
  id: number;
  /** Keys set while it was current (a key set again later belongs to the later one). */
  keys: K[];
  /** How many of `keys` still belong to it: kept as keys move on or go, so no walk counts them. */
  live: number;
  /** When its first and its newest entry went in (0 without an age bound). */
  startedAt: number;
  lastAt: number;
}

interface Slot<K, V> {
  value: V;
  /** The generation the key was last set in. */
  generation: Generation<K>;
}

export class BoundedMap<K, V> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly #perGeneration: number;
  readonly #ageStep: number;
  readonly #timed: boolean;
  readonly #now: () => number;
  readonly #slots = new Map<K, Slot<K, V>>();
  #ids = 0;
  #current: Generation<K> = this.#generation();
  /** Sealed generations, oldest first. */
  #sealed: Array<Generation<K>> = [];
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

  #generation(): Generation<K> {
    return { id: (this.#ids += 1), keys: [], live: 0, startedAt: 0, lastAt: 0 };
  }

  /** Entries held. */
  get size(): number {
    return this.#slots.size;
  }

  /** The value of `key`, or undefined. */
  get(key: K): V | undefined {
    if (this.#timed) this.#expire(this.#now());
    return this.#slots.get(key)?.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Puts `key` in the newest generation, so it is the last to go. */
  set(key: K, value: V): this {
    const current = this.#advance();
    const slot = this.#slots.get(key);
    if (slot === undefined) this.#insert(key, value, current);
    else {
      slot.value = value;
      if (slot.generation !== current) {
        slot.generation.live -= 1;
        slot.generation = current;
        current.live += 1;
        current.keys.push(key);
      }
    }
    return this;
  }

  /** The same as `set` (kept for keys new by construction, such as generated ids). */
  add(key: K, value: V): this {
    return this.set(key, value);
  }

  /**
   * Puts `key` in the newest generation when it is absent and returns undefined; when it is
   * held, returns its value and changes nothing. One Map lookup where `get` then `set` take two.
   */
  setIfAbsent(key: K, value: V): V | undefined {
    if (this.#timed) this.#expire(this.#now());
    const slot = this.#slots.get(key);
    if (slot !== undefined) return slot.value;
    this.#insert(key, value, this.#advance());
    return undefined;
  }

  /** The generation a key set now goes into: a new one when the current is full or old. */
  #advance(): Generation<K> {
    const t = this.#timed ? this.#now() : 0;
    let current = this.#current;
    if (
      current.keys.length >= this.#perGeneration ||
      (this.#timed && current.keys.length > 0 && t - current.startedAt >= this.#ageStep)
    ) {
      this.#rotate();
      current = this.#current;
    }
    if (this.#timed) this.#expire(t);
    // #expire may have begun a new generation.
    current = this.#current;
    if (current.keys.length === 0) current.startedAt = t;
    current.lastAt = t;
    return current;
  }

  #insert(key: K, value: V, current: Generation<K>): void {
    this.#slots.set(key, { value, generation: current });
    current.live += 1;
    current.keys.push(key);
  }

  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    slot.generation.live -= 1;
    return this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
    this.#sealed = [];
    this.#current = this.#generation();
  }

  /** Every entry, oldest generation first. */
  *entries(): IterableIterator<[K, V]> {
    for (const g of [...this.#sealed, this.#current]) {
      for (const key of g.keys) {
        const slot = this.#slots.get(key);
        if (slot !== undefined && slot.generation === g) yield [key, slot.value];
      }
    }
  }

  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  #rotate(): void {
    this.#sealed.push(this.#current);
    this.#current = this.#generation();
    // The oldest goes once the others hold the bound on their own (a generation's key list may
    // name keys set again later, so the count is the map's).
    while (
      this.#sealed.length > 0 &&
      this.#slots.size - (this.#sealed[0] as Generation<K>).live >= this.maxEntries
    )
      this.#drop();
  }

  /** Drops the generations whose newest entry is older than `maxAgeMs`. */
  #expire(t: number): void {
    const cutoff = t - this.maxAgeMs;
    while (this.#sealed.length > 0 && (this.#sealed[0] as Generation<K>).lastAt <= cutoff)
      this.#drop();
    const current = this.#current;
    if (this.#sealed.length === 0 && current.keys.length > 0 && current.lastAt <= cutoff) {
      this.#current = this.#generation();
      this.#evict(current);
    }
  }

  #drop(): void {
    this.#evict(this.#sealed.shift() as Generation<K>);
  }

  #evict(g: Generation<K>): void {
    const evicted = this.onEvict;
    for (const key of g.keys) {
      const slot = this.#slots.get(key);
      if (slot === undefined || slot.generation !== g) continue;
      this.#slots.delete(key);
      if (evicted !== undefined) evicted(key, slot.value);
    }
  }
}
