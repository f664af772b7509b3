import type { DeliveryEvent, DeliveryEventType } from '../events.ts';
import type { RecipientState } from '../stores.ts';

/**
 * How final each status is. A later event replaces the status only when it ranks at least as
 * high, so a late 'deferred' never overrides 'delivered', and any arrival order of the same
 * events ends in the same state. Engagement (opened, clicked) is recorded as flags instead.
 */
const rank: Record<DeliveryEventType, number> = {
  unknown: 0,
  accepted: 1,
  deferred: 2,
  delivered: 3,
  opened: 3,
  clicked: 3,
  rejected: 4,
  suppressed: 4,
  bounced: 5,
  unsubscribed: 6,
  complained: 7,
};

export function initialState(messageId: string, recipient: string): RecipientState {
  return {
    messageId,
    recipient: recipient.toLowerCase(),
    status: 'unknown',
    updatedAt: new Date(0),
    deferrals: 0,
    opened: false,
    clicked: false,
    history: [],
  };
}

/** Oldest first; equal times by id, so any arrival order gives the same history. */
const byTime = (a: { id: string; at: Date }, b: { id: string; at: Date }) =>
  time(a.at) - time(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The status an event stands for: engagement (opened, clicked) means it was delivered. */
const statusOf = (type: DeliveryEventType): DeliveryEventType =>
  type === 'opened' || type === 'clicked' ? 'delivered' : type;

/** Folds one event into a recipient's state; returns the same object when the event is a duplicate. */
export function applyEvent(state: RecipientState, event: DeliveryEvent): RecipientState {
  const before = state.history;
  for (let i = 0; i < before.length; i += 1)
    if ((before[i] as { id: string }).id === event.id) return state;
  const entry = { id: event.id, type: event.type, at: event.at };
  const last = before.at(-1);
  // Events mostly arrive in order: append, and sort only when one is late.
  const history = [...before, entry];
  if (last !== undefined && byTime(last, entry) > 0) history.sort(byTime);
  const next: RecipientState = {
    ...state,
    history,
    deferrals: state.deferrals + (event.type === 'deferred' ? 1 : 0),
    opened: state.opened || event.type === 'opened' || event.type === 'clicked',
    clicked: state.clicked || event.type === 'clicked',
    updatedAt: time(event.at) > time(state.updatedAt) ? event.at : state.updatedAt,
  };
  const status = statusOf(event.type);
  const current = rank[state.status];
  const incoming = rank[status];
  if (incoming > current) {
    next.status = status;
    // The provider follows the event that decided the status, so it too is the same in any order.
    next.provider = event.provider;
  } else if (incoming === current) {
    // Equal rank: the later event wins; ties broken by id so the result does not depend on order.
    let latestAtRank: string | undefined;
    for (let i = history.length - 1; i >= 0; i -= 1) {
      const h = history[i] as (typeof history)[number];
      if (rank[statusOf(h.type)] === incoming) {
        latestAtRank = h.id;
        break;
      }
    }
    if (latestAtRank === event.id) {
      next.status = status;
      next.provider = event.provider;
    }
  }
  return next;
}

/** An unreadable time sorts first rather than breaking the order. */
const time = (at: Date): number => {
  const t = at instanceof Date ? at.getTime() : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
};
