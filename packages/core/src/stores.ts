import type { DeliveryEvent } from './events.ts';

/**
 * Store ports. Core ships memory implementations; @relaykit/sqlite and @relaykit/redis ship
 * persistent ones. Every method is async so any backend fits.
 */

/** Where a send went: lets webhook events find their relaykit message. */
export interface LedgerEntry {
  messageId: string;
  provider: string;
  providerMessageId: string;
  recipients: string[];
  from: string;
  stream?: string;
  /** The provider's template id, for a templated message. */
  template?: string;
  sentAt: Date;
}

export interface Ledger {
  record(entry: LedgerEntry): Promise<void>;
  /** Every send of a message (more than one when recipients went in separate sends). */
  byMessageId(messageId: string): Promise<LedgerEntry[]>;
  byProviderMessageId(
    provider: string,
    providerMessageId: string,
  ): Promise<LedgerEntry | undefined>;
}

/** Remembers keys for a while: event ids for dedupe, webhook tokens for replay guards. */
export interface DedupeStore {
  /** Records the key and returns true when it was not already held (atomic). */
  remember(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Whether the key is held (and not expired), without recording it. The relay checks an event id
   * with it before applying the event and marks the id with `remember` only after the effects are
   * stored; a store without it still works, at the cost of re-applying (idempotent) effects for a
   * redelivered event.
   */
  has?(key: string): Promise<boolean>;
}

export const suppressionReasons = [
  'hard-bounce',
  'soft-bounce-limit',
  'complaint',
  'unsubscribe',
  'null-mx',
  'provider-suppressed',
  'manual',
] as const;

export type SuppressionReason = (typeof suppressionReasons)[number];

/**
 * One suppression. `address` is a lower-case address, or `@domain` for a whole recipient domain.
 * `stream` limits it to one stream (unsubscribes); absent, it holds for every stream.
 */
export interface SuppressionEntry {
  address: string;
  stream?: string;
  reason: SuppressionReason;
  /** The event that caused it, when one did. */
  source?: { eventId?: string; provider?: string; type?: string; detail?: string };
  firstSeen: Date;
  lastSeen: Date;
  expiresAt?: Date;
}

export interface SuppressionRemoval {
  address: string;
  stream?: string;
  removedAt: Date;
  by: string;
  reason: string;
  entry: SuppressionEntry;
}

export interface SuppressionPage {
  entries: SuppressionEntry[];
  /** Pass back to get the next page; absent on the last one. */
  cursor?: string;
}

export interface SuppressionStore {
  /**
   * The entries that suppress each of `addresses` for `stream` (address-level or domain-level,
   * global or for that stream, not expired). Addresses without one are absent from the map.
   */
  check(
    addresses: readonly string[],
    options?: { stream?: string; now?: Date },
  ): Promise<Map<string, SuppressionEntry>>;
  /** Adds or refreshes entries (an existing entry keeps firstSeen and takes the later lastSeen). */
  add(entries: readonly SuppressionEntry[]): Promise<void>;
  /** Removes an entry, leaving an audit record; returns false when there was none. */
  remove(
    address: string,
    options: { stream?: string; by: string; reason: string; now?: Date },
  ): Promise<boolean>;
  /**
   * Pages through the live (not expired) entries, oldest first. With `stream`, only the entries
   * scoped to that stream; without, every entry.
   */
  list(options?: { cursor?: string; limit?: number; stream?: string }): Promise<SuppressionPage>;
  /** Removal records, newest first. */
  removals(options?: { address?: string; limit?: number }): Promise<SuppressionRemoval[]>;
}

/** Soft-bounce strikes per recipient, for the "N in a window" rule. */
export interface StrikeStore {
  /**
   * Adds a strike at `at` (a repeated `eventId` is not counted twice) and returns the most strikes
   * in any window of `windowMs` that holds this one. For strikes arriving in time order that is
   * the count within `windowMs` before `at`; looking both ways makes late events count the same.
   */
  strike(address: string, at: Date, windowMs: number, eventId: string): Promise<number>;
  clear(address: string): Promise<void>;
}

/** Per message and recipient state, folded from DeliveryEvents. */
export interface MessageStateStore {
  /** Applies an event; returns the recipient's state after it. */
  apply(event: DeliveryEvent): Promise<RecipientState>;
  get(messageId: string): Promise<RecipientState[]>;
}

export interface RecipientState {
  messageId: string;
  recipient: string;
  status: DeliveryEvent['type'];
  provider?: string;
  updatedAt: Date;
  /** How many deferrals were seen. */
  deferrals: number;
  opened: boolean;
  clicked: boolean;
  history: Array<{ id: string; type: DeliveryEvent['type']; at: Date }>;
}

/** A message waiting in the outbox, as stored: JSON-safe (attachments in base64). */
export interface QueuedMessage {
  id: string;
  /** The normalised message, serialised by `serializeMessage`. */
  message: SerializedMessage;
  enqueuedAt: Date;
  /** When it is next due. */
  dueAt: Date;
  /** After this it is not sent but expired. */
  expiresAt: Date;
  /** Delivery runs so far. */
  attempts: number;
  lastError?: { kind: string; message: string };
}

export type SerializedMessage = Record<string, unknown> & { id: string };

/** What the queue runner decided about one run of a queued message. */
export type QueueDecision =
  | {
      type: 'done';
      status: 'sent' | 'expired' | 'dead';
      reason?: string;
      error?: { kind: string; message: string };
    }
  | { type: 'retry'; at: Date; error: { kind: string; message: string } };

export interface OutboxConsumer {
  /** Stops claiming new messages and resolves once the ones in flight are settled. */
  stop(): Promise<void>;
}

export interface OutboxCounts {
  queued: number;
  inFlight: number;
  sent: number;
  expired: number;
  dead: number;
}

/**
 * Queued sends. `enqueue` resolves only once the messages are durably stored. `consume` hands
 * due messages to the handler, at most `concurrency` at a time, and applies its decision; a
 * message claimed by a consumer that dies is handed out again after its lease.
 */
export interface Outbox {
  /**
   * With `options.tx` (an outbox that says `transactional: true`), the messages are written in
   * the caller's open transaction (for @relaykit/postgres, the pg client that ran BEGIN), so they
   * are queued if and only if that transaction commits.
   */
  enqueue(messages: readonly QueuedMessage[], options?: { tx?: unknown }): Promise<void>;
  /** True when `enqueue` can join the caller's transaction (`options.tx`). */
  readonly transactional?: boolean;
  consume(
    handler: (message: QueuedMessage) => Promise<QueueDecision>,
    options: { concurrency: number; pollMs?: number; leaseMs?: number },
  ): OutboxConsumer;
  get(
    id: string,
  ): Promise<(QueuedMessage & { status: keyof OutboxCounts; reason?: string }) | undefined>;
  counts(): Promise<OutboxCounts>;
  /**
   * When the oldest message still waiting (queued, not in flight) was enqueued; undefined when
   * none waits. Optional: where present, the `relaykit.outbox.oldest_age` gauge reads it.
   */
  oldestQueued?(): Promise<Date | undefined>;
  /** Messages that ended dead or expired, newest first. */
  deadLetters(options?: {
    limit?: number;
  }): Promise<Array<QueuedMessage & { status: 'dead' | 'expired'; reason?: string }>>;
  close?(): Promise<void>;
}

/** One token bucket a send needs: `cost` tokens of `key`, which refills at `ratePerSec` up to `burst`. */
export interface RateBucket {
  key: string;
  cost: number;
  ratePerSec: number;
  burst: number;
}

/**
 * The answer of `RateStore.take`. granted: the tokens are reserved and the send may go after
 * `waitMs` (0: at once). Not granted: nothing was taken; the tokens would be there in `waitMs`.
 */
export interface RateGrant {
  granted: boolean;
  waitMs: number;
}

/**
 * Shared token buckets (GCRA: one "theoretical arrival time" per key), so one limit can hold
 * across processes. `take` is all-or-nothing over every bucket a send needs (each recipient
 * domain's profile and the provider account): it reserves the tokens in all of them when the
 * latest is available within `maxWaitMs` of `now`, and takes none otherwise. A Redis store does
 * this as one Lua script over KEYS = bucket keys and ARGV = now, maxWaitMs, then cost, ratePerSec,
 * burst per key. The memory store answers synchronously; a shared one may return a promise.
 */
export interface RateStore {
  take(
    buckets: readonly RateBucket[],
    now: number,
    maxWaitMs: number,
  ): RateGrant | Promise<RateGrant>;
}

/**
 * Every store from one backend, as `sqliteStores()` and `redisStores()` return them:
 * `createRelay({ providers, stores })` wires them all, strikes and the throttle's rate store included.
 */
export interface StoreSet {
  suppression?: SuppressionStore;
  /** Soft-bounce strikes for the default suppression policy. */
  strikes?: StrikeStore;
  ledger?: Ledger;
  state?: MessageStateStore;
  dedupe?: DedupeStore;
  outbox?: Outbox;
  /** Token buckets for the default throttle (createThrottle({ store })). */
  rate?: RateStore;
  /** Where `relay.campaign` keeps each campaign's progress, so a restarted process resumes it. */
  campaigns?: CampaignStore;
}

export type CampaignPhase =
  'canary' | 'holding' | 'releasing' | 'completed' | 'stopped' | 'cancelled';

/**
 * A campaign as stored: enough to resume it after a crash. The recipients themselves are not
 * stored: the caller runs the campaign again with the same id and list, and `fingerprint` refuses
 * another list. JSON-safe apart from the two dates (`encodeCampaign` / `decodeCampaign` in
 * '@relaykit/core/adapter' turn it into text and back).
 */
export interface CampaignRecord {
  id: string;
  /** SHA-256 of the recipient list, in order. */
  fingerprint: string;
  /** Recipients, after duplicates were dropped. */
  size: number;
  phase: CampaignPhase;
  /** Positions in the list of the canary cohort, drawn once. */
  cohort: number[];
  /**
   * How many of the release order (the cohort, then the rest in list order) are in the outbox.
   * Raised only after the outbox holds them, so a crash re-enqueues (ignored: same ids), never skips.
   */
  released: number;
  /** The canary's outcomes per message id, and its verdict once made. JSON-safe. */
  canary?: Record<string, unknown>;
  /** Why the campaign stopped or was cancelled. */
  reason?: string;
  /** The final report, once the campaign ended. JSON-safe. */
  report?: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** Campaign progress. One process runs a given campaign at a time. */
export interface CampaignStore {
  /** Stores the record unless one with its id is there; returns the stored one (an existing one wins). */
  create(record: CampaignRecord): Promise<CampaignRecord>;
  get(id: string): Promise<CampaignRecord | undefined>;
  /** Replaces the stored record with this id. */
  save(record: CampaignRecord): Promise<void>;
}
