import type { DeliveryEventType } from '../events.ts';
import type { MessageStateStore, RecipientState } from '../stores.ts';
import { applyEvent, initialState } from '../state/machine.ts';
import { BoundedMap } from './bounded.ts';

export interface MemoryStateOptions {
  /**
   * Messages kept: at least this many of the newest, about an eighth more at most; the oldest are
   * forgotten past it (memory/bounded.ts). @default 20000
   */
  maxMessages?: number;
  /** Messages first seen longer ago than this are forgotten too. @default no age bound */
  maxAgeMs?: number;
  now?: () => number;
}

/** One event of a recipient's history, its time as a number (a Date costs six times the heap). */
class Step {
  constructor(
    readonly id: string,
    readonly type: DeliveryEventType,
    readonly at: number,
  ) {}
}

/**
 * A recipient's state as held: the same fields as RecipientState without the message id (the
 * map's key) and with times as numbers. Tens of thousands are held at once, so their size is
 * most of the store's memory (docs/operations.md, "Memory bounds of the in-process stores").
 */
class Held {
  constructor(
    readonly recipient: string,
    readonly status: DeliveryEventType,
    readonly provider: string | undefined,
    readonly updatedAt: number,
    readonly deferrals: number,
    readonly opened: boolean,
    readonly clicked: boolean,
    readonly history: readonly Step[],
  ) {}
}

const timeOf = (at: unknown): number => (at instanceof Date ? at.getTime() : Number.NaN);

function hold(state: RecipientState): Held {
  return new Held(
    state.recipient,
    state.status,
    state.provider,
    timeOf(state.updatedAt),
    state.deferrals,
    state.opened,
    state.clicked,
    state.history.map((h) => new Step(h.id, h.type, timeOf(h.at))),
  );
}

function unhold(messageId: string, held: Held): RecipientState {
  const state: RecipientState = {
    messageId,
    recipient: held.recipient,
    status: held.status,
    updatedAt: new Date(held.updatedAt),
    deferrals: held.deferrals,
    opened: held.opened,
    clicked: held.clicked,
    history: held.history.map((h) => ({ id: h.id, type: h.type, at: new Date(h.at) })),
  };
  if (held.provider !== undefined) state.provider = held.provider;
  return state;
}

/**
 * In-process message state: per message and recipient, folded from events. Held compactly (one
 * record per recipient, no array for a message of one recipient, times as numbers) and rebuilt
 * as RecipientState objects on each read.
 */
export function memoryStateStore(options: MemoryStateOptions = {}): MessageStateStore {
  const messages = new BoundedMap<string, Held | Held[]>({
    maxEntries: options.maxMessages ?? 20_000,
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    async apply(event) {
      const messageId =
        event.messageId ?? `provider:${event.provider}:${event.providerMessageId ?? 'unknown'}`;
      const key = event.recipient.toLowerCase();
      const known = messages.get(messageId);
      const list = known === undefined ? undefined : Array.isArray(known) ? known : [known];
      const at = list === undefined ? -1 : list.findIndex((r) => r.recipient === key);
      const next = applyEvent(
        at < 0 ? initialState(messageId, key) : unhold(messageId, (list as Held[])[at] as Held),
        event,
      );
      const held = hold(next);
      if (known === undefined) messages.add(messageId, held);
      else if (at < 0) messages.set(messageId, [...(list as Held[]), held]);
      else if (Array.isArray(known)) known[at] = held;
      else messages.set(messageId, held);
      return next;
    },
    async get(messageId) {
      const known = messages.get(messageId);
      if (known === undefined) return [];
      return Array.isArray(known)
        ? known.map((h) => unhold(messageId, h))
        : [unhold(messageId, known)];
    },
  };
}
