import { webhookResultFaults } from '../adapter-kit/webhook.ts';
import { RelayError, type RelayErrorKind } from '../errors.ts';
import type { DeliveryEvent } from '../events.ts';
import { normalizeMessage, type Message, type MessageInput } from '../message.ts';
import type { WebhookContext, WebhookParseResult, WebhookRequest } from '../provider.ts';
import type { RawWebhookRequest } from '../webhooks.ts';

// Helpers for adapter tests, free of any test runner: each throws an Error (which fails the
// test) where an assertion would fail.

/**
 * The RelayError of `kind` that `run` throws. Throws, failing the test, when `run` throws
 * nothing, or anything else.
 */
export function relayErrorOf(kind: RelayErrorKind, run: () => unknown): RelayError {
  try {
    run();
  } catch (error) {
    if (error instanceof RelayError && error.kind === kind) return error;
    throw new Error(`expected a RelayError of kind '${kind}', got ${describe(error)}`, {
      cause: error,
    });
  }
  throw new Error(`expected a RelayError of kind '${kind}', but nothing was thrown`);
}

/**
 * What `run` returns, or undefined when it refuses its input with a RelayError 'invalid'; anything
 * else it throws is thrown again. For fuzzing a parser: a result or a typed refusal, never a crash.
 */
export function unlessInvalid<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (error instanceof RelayError && error.kind === 'invalid') return undefined;
    throw error;
  }
}

export interface TestWebhookContextOptions {
  /** The clock, in ms. @default Date.now */
  now?: number | (() => number);
  /** Remember keys, so the second delivery of one reads as a replay. @default false (every key is new) */
  remember?: boolean;
  /** @default the global fetch */
  fetch?: typeof fetch;
}

/** A WebhookContext for tests: a fixed or given clock, replay memory in this process, fetch. */
export function webhookContext(options: TestWebhookContextOptions = {}): WebhookContext {
  const { now = Date.now } = options;
  const seen = new Set<string>();
  return {
    now: typeof now === 'number' ? () => now : now,
    remember: async (key) => {
      if (!options.remember) return true;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    fetch: options.fetch ?? fetch,
  };
}

/** A POST of `body` to http://localhost/webhooks/<provider> (content-type JSON unless `headers` says). */
export function webhookRequest(
  provider: string,
  body: string,
  headers: Record<string, string> = {},
): WebhookRequest {
  return {
    method: 'POST',
    url: `http://localhost/webhooks/${provider}`,
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    body,
  };
}

/** Throws, naming each fault, when a webhook parse result breaks the contract (webhookResultFaults). */
export function assertSoundWebhookResult(result: WebhookParseResult): void {
  const faults = webhookResultFaults(result);
  if (faults.length > 0) throw new Error(`unsound webhook result: ${faults.join('; ')}`);
}

/** Address values a hostile payload carries: mixed case, a display name, not an address, a control character. */
export const hostileAddresses: readonly string[] = [
  'a@example.com',
  'B@Example.org',
  'Name <c@example.net>',
  'nope',
  'x\ny@ex.com',
];

/** A plain message for adapter tests (a sender, a recipient, a subject, text), with `input` over it. */
export function testMessage(input: Partial<MessageInput> = {}): Promise<Message> {
  return normalizeMessage({
    id: 'rk_1',
    from: { address: 'sender@example.com', name: 'Sender' },
    to: 'to@example.org',
    subject: 'Hi',
    text: 'text',
    ...input,
  });
}

/**
 * A message using every field an adapter maps, for "maps every field" tests: two recipients (one
 * with a display name), cc, bcc, reply-to, both bodies with an inline image, a custom header,
 * tags, metadata, a stream, one-click List-Unsubscribe, a file and an inline attachment. `input`
 * goes over it, for the values a test wants spelled its own way.
 */
export function fullTestMessage(input: Partial<MessageInput> = {}): Promise<Message> {
  return testMessage({
    to: ['a@example.org', 'Bob <b@example.org>'],
    cc: 'c@example.org',
    bcc: 'd@example.org',
    replyTo: 'help@example.com',
    html: '<p>hi <img src="cid:logo"></p>',
    headers: { 'X-Campaign': 'spring' },
    tags: ['welcome'],
    metadata: { user: 42 },
    stream: 'transactional',
    listUnsubscribe: { url: 'https://example.com/u', oneClick: true },
    attachments: [
      { filename: 'a.txt', content: 'hello' },
      { filename: 'logo.png', content: new Uint8Array([1, 2, 3]), cid: 'logo' },
    ],
    ...input,
  });
}

let eventSeq = 0;

/**
 * A delivery event of `type` for policy tests (health guard, suppression): a fresh id and
 * recipient each call (`h1`, `r1@x.test`, ...), from `orders@mail.shop.test`, with `extra` over it.
 */
export function testEvent(
  type: DeliveryEvent['type'],
  extra: Partial<DeliveryEvent> = {},
): DeliveryEvent {
  eventSeq += 1;
  return {
    id: `h${eventSeq}`,
    type,
    provider: 'ses',
    recipient: `r${eventSeq}@x.test`,
    from: 'orders@mail.shop.test',
    at: new Date(),
    tags: [],
    metadata: {},
    raw: null,
    ...extra,
  };
}

function describe(error: unknown): string {
  if (error instanceof RelayError) return `a RelayError of kind '${error.kind}': ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * A web Request as a Node server holds it when it calls `relay.webhooks.handleRaw`: the path and
 * query alone, Node's header object (lower-case names, a repeated header as a list) and the body's
 * bytes. For running the same webhook tests through both entries.
 */
export async function rawWebhookOf(request: Request): Promise<RawWebhookRequest> {
  const { pathname, search } = new URL(request.url);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of request.headers) {
    const held = headers[name];
    headers[name] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
  }
  return {
    method: request.method,
    url: `${pathname}${search}`,
    headers,
    body: new Uint8Array(await request.arrayBuffer()),
  };
}
