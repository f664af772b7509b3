import { parseAddress } from '../address.ts';
import { bounceCategories } from '../bounce/categories.ts';
import { RelayError } from '../errors.ts';
import { deliveryEventTypes, type DeliveryEvent } from '../events.ts';
import type { WebhookParseResult, WebhookRequest } from '../provider.ts';

/**
 * Why a webhook could not be read, for `unreadable[].reason`: a RelayError's own message, else
 * `fallback` given the error's name (never its message, which may quote the body).
 */
export function unreadableReason(error: unknown, fallback: (errorName: string) => string): string {
  return error instanceof RelayError
    ? error.message
    : fallback(error instanceof Error ? error.name : 'error');
}

/**
 * The parse result of an authenticated delivery the adapter could not read at all: no events,
 * one `unreadable` entry (with the delivery's id when it is known), so the relay acknowledges it
 * and raises a `webhook-unreadable` alert instead of making the provider redeliver a poison body.
 */
export function unreadableWebhook(
  error: unknown,
  eventId: string | undefined,
  fallback: (errorName: string) => string,
): WebhookParseResult {
  return {
    events: [],
    unreadable: [{ ...(eventId ? { eventId } : {}), reason: unreadableReason(error, fallback) }],
  };
}

/** The fields of a delivery event a webhook may not carry. */
const optionalEventFields = [
  'messageId',
  'providerMessageId',
  'from',
  'stream',
  'url',
  'userAgent',
] as const satisfies ReadonlyArray<keyof DeliveryEvent>;

/** What a webhook read for one delivery event: the optional facts it did not find are undefined. */
export type DeliveryEventFacts = Omit<
  DeliveryEvent,
  (typeof optionalEventFields)[number] | 'bounce'
> & {
  [K in (typeof optionalEventFields)[number] | 'bounce']?: DeliveryEvent[K] | undefined;
};

/**
 * The delivery event of what a webhook read, leaving out the facts it did not find, with its own
 * copy of the tags, metadata and bounce: the events a delivery fans out to its recipients share
 * nothing one consumer could change for all of them.
 */
export function deliveryEvent(facts: DeliveryEventFacts): DeliveryEvent {
  const event: DeliveryEvent = {
    id: facts.id,
    type: facts.type,
    provider: facts.provider,
    recipient: facts.recipient,
    at: facts.at,
    tags: [...facts.tags],
    metadata: { ...facts.metadata },
    raw: facts.raw,
  };
  for (const field of optionalEventFields) {
    const value = facts[field];
    // Assigned in place (an Object.assign of `{ [field]: value }` built an object per field).
    if (value !== undefined) event[field] = value;
  }
  if (facts.bounce !== undefined) event.bounce = { ...facts.bounce };
  return event;
}

const types = new Set<string>(deliveryEventTypes);
const categories = new Set<string>(bounceCategories);

/**
 * What is wrong with a parse result, for an adapter's property tests over hostile bodies: every
 * event of a known type, with a canonical recipient, an id, a valid date, a known bounce category
 * and string metadata; every unreadable note and misrouted report with a reason. Empty when sound.
 */
export function webhookResultFaults(result: WebhookParseResult): string[] {
  const faults: string[] = [];
  if (!Array.isArray(result.events)) return ['events is not an array'];
  for (const [i, event] of result.events.entries()) {
    const at = `events[${i}]`;
    if (!types.has(event.type))
      faults.push(`${at}.type ${String(event.type)} is not a delivery event type`);
    let canonical: string | undefined;
    try {
      canonical = parseAddress(event.recipient).address;
    } catch {
      canonical = undefined;
    }
    if (canonical !== event.recipient) faults.push(`${at}.recipient is not a canonical address`);
    if (typeof event.id !== 'string' || event.id === '') faults.push(`${at}.id is empty`);
    if (!(event.at instanceof Date) || Number.isNaN(event.at.getTime()))
      faults.push(`${at}.at is not a valid date`);
    if (event.bounce && !categories.has(event.bounce.category))
      faults.push(`${at}.bounce.category ${String(event.bounce.category)} is unknown`);
    for (const [key, value] of Object.entries(event.metadata ?? {}))
      if (typeof value !== 'string') faults.push(`${at}.metadata.${key} is not a string`);
  }
  for (const [i, note] of (result.unreadable ?? []).entries())
    if (typeof note.reason !== 'string') faults.push(`unreadable[${i}].reason is not a string`);
  if (result.misrouted && typeof result.misrouted.what !== 'string')
    faults.push('misrouted.what is not a string');
  return faults;
}

/** Requests whose reading `readOnce` keeps, and the longest body it keeps one for. */
const keptReadings = 16;
const keptBodyMax = 64 * 1024;

/**
 * `read` of a webhook request, done once for the request's verify and its parse: the readings of
 * the last 16 requests are kept, by request and body identity. A WeakMap keyed by request did the
 * same at about 3 µs a delivery: its entries are ephemerons, which every collection has to walk.
 * A few strong references cost nothing to collect. A body over 64 KiB is not kept, so a
 * stranger's large body is not held past its request. A reading that throws is not kept either.
 * A reading pushed out before its parse is simply read again, to the same result.
 */
export function readOnce<T>(read: (request: WebhookRequest) => T): (request: WebhookRequest) => T {
  const requests: Array<WebhookRequest | undefined> = new Array<undefined>(keptReadings).fill(
    undefined,
  );
  const bodies: Array<string | undefined> = new Array<undefined>(keptReadings).fill(undefined);
  const readings: T[] = new Array<T>(keptReadings);
  let next = 0;
  return (request) => {
    const body = request.body;
    for (let i = 0; i < keptReadings; i += 1)
      if (requests[i] === request && bodies[i] === body) return readings[i] as T;
    const reading = read(request);
    if (body.length <= keptBodyMax) {
      requests[next] = request;
      bodies[next] = body;
      readings[next] = reading;
      next = (next + 1) % keptReadings;
    }
    return reading;
  };
}
