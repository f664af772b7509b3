import { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type {
  Provider,
  WebhookContext,
  WebhookHeaders,
  WebhookParseResult,
  WebhookRequest,
} from './provider.ts';
import type { DedupeStore } from './stores.ts';
import type { Telemetry } from './telemetry.ts';
import { cleanText, hasControlCharacters } from './text.ts';
import { maxWebhookDepth, nestsDeeperThan } from './webhook-bounds.ts';

/**
 * The statuses `handle` answers, and what each tells the provider (whose redelivery policy then
 * decides): 2xx done, do not resend; 4xx this request will never be taken, do not resend;
 * 5xx relaykit could not store it now, resend later.
 */
export const webhookStatuses = {
  /** Recorded (or a duplicate, or authentic but unreadable and reported as an alert). */
  ok: 200,
  /** The body is not a webhook body: broken stream, nested deeper than the bound. */
  badRequest: 400,
  /** It failed verification; nothing was recorded and no replay cache touched. */
  unauthorized: 401,
  /** No provider of that name takes webhooks. */
  notFound: 404,
  /** Not a POST. */
  methodNotAllowed: 405,
  /** The body is larger than `maxWebhookBytes`. */
  tooLarge: 413,
  /** Storing its effects failed (a store error): the provider should redeliver. */
  storeFailed: 500,
  /** A dependency of verification or parsing was unreachable (e.g. the SNS certificate). */
  unavailable: 503,
} as const;

export interface WebhookHandler {
  /**
   * Takes a web-standard Request and answers it; never throws. 200 once its events are recorded,
   * or when it is authentic but cannot be understood (reported as a `webhook-unreadable` alert,
   * so the provider does not resend a poison message forever); 400 when the body cannot be read
   * or nests deeper than the bound; 401 when it fails verification (nothing is recorded); 404 for
   * an unknown provider; 405 for another method than POST; 413 past `maxWebhookBytes`; 500 when
   * storing its effects failed, so the provider redelivers; 503 when verification or parsing
   * needed a service that did not answer. The provider is the one named by `options.provider`,
   * or by the last segment of the URL path (e.g. POST /webhooks/ses).
   */
  handle(request: Request, options?: { provider?: string }): Promise<Response>;
}

/** A relay's webhook entries (`relay.webhooks`): `handle` and `handleRaw`. */
export interface RelayWebhooks extends WebhookHandler {
  /**
   * The same intake, for a body already read: what a Node server holds (node:http, Express after
   * `express.raw()`, Fastify's raw body), without building a web Request and reading it back, which
   * costs more CPU than the intake itself (about 40 µs per Request on Node 20). Same checks, same
   * statuses, same guarantees as `handle`; the answer is its status, body and headers. A body of
   * bytes (a Buffer, a Uint8Array) is read as UTF-8; `headers` may be Node's `req.headers`.
   */
  handleRaw(request: RawWebhookRequest, options?: { provider?: string }): Promise<WebhookAnswer>;
}

/** A webhook request whose body is already read (see `RelayWebhooks.handleRaw`). */
export interface RawWebhookRequest {
  method: string;
  /** Absolute (`https://host/webhooks/ses`) or a path (`/webhooks/ses`). */
  url: string;
  headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  body: string | Uint8Array;
}

/** What `handleRaw` answers: write it back as the HTTP response. */
export interface WebhookAnswer {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

export interface WebhookAlert {
  type: 'webhook-unreadable' | 'webhook-misrouted';
  message: string;
  provider: string;
  eventId?: string;
  reason?: string;
  what?: string;
}

export interface WebhookHandlerOptions {
  providers: readonly Provider[];
  ingest(events: readonly DeliveryEvent[]): Promise<DeliveryEvent[]>;
  dedupe: DedupeStore;
  maxBytes: number;
  /** Deepest JSON nesting read. @default 64 */
  maxDepth?: number;
  fetch: typeof fetch;
  onError(message: string, error: unknown): void;
  onAlert?(alert: WebhookAlert): void;
}

const plainText: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/plain; charset=utf-8',
});
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

const text = (status: number, body: string): WebhookAnswer => ({
  status,
  body,
  headers: plainText,
});

const tooLarge: WebhookAnswer = Object.freeze(text(413, '[relaykit] webhook body too large'));

/** The 200 with no body: the provider reads the status alone. */
const accepted: WebhookAnswer = Object.freeze({
  status: webhookStatuses.ok,
  body: '',
  headers: noHeaders,
});

/**
 * The answer as a web Response. A 200 with no body gets a null body: a Response with a body builds
 * a ReadableStream for it, which cost as much as the rest of the intake's own work.
 */
function responseOf(answer: WebhookAnswer): Response {
  if (answer === accepted) return new Response(null, { status: answer.status });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** HTTP whitespace (Fetch standard): what `Headers` strips from either end of a value. */
const edgeWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/gu;

/**
 * Node's header object read as `Headers.get` reads a `Headers` built from it, without building
 * one (a Headers costs a webhook 2-3 µs and 1.6 KB for a server's usual ten headers): by name in
 * any case, several values joined by ", ", HTTP whitespace trimmed. Node gives the names in lower
 * case; an object with other names is copied once with its names lower-cased.
 */
class FieldHeaders implements WebhookHeaders {
  private readonly fields: Readonly<Record<string, unknown>>;
  constructor(fields: Readonly<Record<string, unknown>>) {
    let lower = true;
    for (const name in fields) {
      if (name !== name.toLowerCase()) {
        lower = false;
        break;
      }
    }
    if (lower) this.fields = fields;
    else {
      const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const name in fields) {
        if (!Object.hasOwn(fields, name)) continue;
        const key = name.toLowerCase();
        const value = fields[name];
        const held = copy[key];
        copy[key] = held === undefined ? value : [held, value].flat();
      }
      this.fields = copy;
    }
  }
  get(name: string): string | null {
    const key = name.toLowerCase();
    if (!Object.hasOwn(this.fields, key)) return null;
    const value = this.fields[key];
    if (typeof value === 'string') return trimmed(value);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return null;
    // Each value is trimmed, then they are joined (Fetch standard, "get" a header list's value).
    return value.map(trimmed).join(', ');
  }
}

/** The value without HTTP whitespace at either end (most values have none: no regex then). */
function trimmed(value: string): string {
  const padded = value.charCodeAt(0) <= 0x20 || value.charCodeAt(value.length - 1) <= 0x20;
  return padded ? value.replace(edgeWhitespace, '') : value;
}

/** The request's headers as the adapters read them: a Headers as it is, Node's object by name. */
export function headersOf(headers: RawWebhookRequest['headers']): WebhookHeaders {
  if (headers instanceof Headers) return headers;
  return new FieldHeaders(typeof headers === 'object' && headers !== null ? headers : {});
}

class BodyTooLarge extends Error {}

/** The body as UTF-8, or BodyTooLarge past `maxBytes` (read no further than that). */
async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new BodyTooLarge();
  if (!request.body) return '';
  // Chunk by chunk, stopping at the bound, whether or not a length was declared: the stream's
  // reader costs a webhook about 40% less CPU than `request.arrayBuffer()` (8-9 µs against
  // 14-16 µs per delivery of a few KB, test/bench/webhook-ingest-cpu.ts), and most bodies are one
  // chunk.
  const reader = request.body.getReader();
  // Most bodies are one chunk: a list is made only for a second one.
  let first: Uint8Array | undefined;
  let chunks: Uint8Array[] | undefined;
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    if (first === undefined) first = value;
    else (chunks ??= [first]).push(value);
  }
  if (first === undefined) return '';
  return chunks === undefined
    ? Buffer.from(first.buffer, first.byteOffset, first.byteLength).toString('utf8')
    : Buffer.concat(chunks, size).toString('utf8');
}

/** Text fields of an event cleaned as they are (messageId ... stream). */
const textFields = [
  'messageId',
  'providerMessageId',
  'url',
  'userAgent',
  'from',
  'stream',
] as const;

/** `metadata` as clean strings, or the same object when it already is one. */
function cleanMetadata(metadata: Record<string, string>): Record<string, string> {
  if (Object.getPrototypeOf(metadata) === Object.prototype) {
    let clean = true;
    for (const key in metadata) {
      if (!Object.hasOwn(metadata, key)) continue;
      const value = metadata[key];
      if (typeof value !== 'string' || hasControlCharacters(key) || hasControlCharacters(value)) {
        clean = false;
        break;
      }
    }
    if (clean) return metadata;
  }
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => [cleanText(k), cleanText(String(v))]),
  );
}

/**
 * The event with its text free of control characters (see text.ts); `raw` is kept as received.
 * Most events hold none: those are passed on as they are (checking is a regex test per field;
 * copying the event, its tags and metadata was most of the intake's allocation).
 */
function cleanEvent(event: DeliveryEvent): DeliveryEvent {
  let out: DeliveryEvent | undefined;
  const id = cleanText(event.id);
  if (id !== event.id) (out ??= { ...event }).id = id;
  const recipient = cleanText(event.recipient);
  if (recipient !== event.recipient) (out ??= { ...event }).recipient = recipient;
  let tags: string[] | undefined;
  for (let i = 0; i < event.tags.length; i += 1) {
    const tag = event.tags[i] as string;
    const clean = cleanText(tag);
    if (clean !== tag) (tags ??= [...event.tags])[i] = clean;
  }
  if (tags !== undefined) (out ??= { ...event }).tags = tags;
  const metadata = cleanMetadata(event.metadata);
  if (metadata !== event.metadata) (out ??= { ...event }).metadata = metadata;
  for (const key of textFields) {
    const value = event[key];
    if (typeof value !== 'string') continue;
    const clean = cleanText(value);
    if (clean !== value) (out ??= { ...event })[key] = clean;
  }
  const bounce = event.bounce;
  if (bounce) {
    const category = cleanText(bounce.category);
    const diagnostic = bounce.diagnostic === undefined ? undefined : cleanText(bounce.diagnostic);
    const enhanced =
      bounce.enhancedStatus === undefined ? undefined : cleanText(bounce.enhancedStatus);
    if (
      category !== bounce.category ||
      diagnostic !== bounce.diagnostic ||
      enhanced !== bounce.enhancedStatus
    ) {
      const copy = { ...bounce, category };
      if (diagnostic !== undefined) copy.diagnostic = diagnostic;
      if (enhanced !== undefined) copy.enhancedStatus = enhanced;
      (out ??= { ...event }).bounce = copy;
    }
  }
  return out ?? event;
}

/** The events cleaned (cleanEvent), or the same list when none needed it. */
function cleanEvents(events: readonly DeliveryEvent[]): readonly DeliveryEvent[] {
  let out: DeliveryEvent[] | undefined;
  for (let i = 0; i < events.length; i += 1) {
    const event = events[i] as DeliveryEvent;
    const clean = cleanEvent(event);
    if (clean !== event) (out ??= [...events])[i] = clean;
  }
  return out ?? events;
}

const short = (value: string, max = 300) => {
  const clean = cleanText(value);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
};

const reasonOf = (error: unknown) =>
  short(
    error instanceof Error
      ? error.message.replace(/^\[relaykit\]( \[[^\]]*\])? /u, '')
      : String(error),
  );

/**
 * A plain absolute URL whose last path segment is a name of letters, digits, `-` and `_` (no
 * percent-escape, dot or backslash that the URL parser would rewrite): the segment and the rest.
 */
const plainPath = /^https?:\/\/[^/?#\\]*(?:\/[\w-]+)*\/([\w-]+)\/*(?:[?#]|$)/u;

/**
 * `read` remembering its last input and answer: a provider posts to the same URL each time, so
 * reading one URL (or request target) again is a comparison.
 */
export function lastRead<T>(
  read: (input: string | undefined) => T,
): (input: string | undefined) => T {
  let lastInput: string | undefined;
  let lastAnswer: T | undefined;
  let held = false;
  return (input) => {
    if (held && input === lastInput) return lastAnswer as T;
    lastAnswer = read(input);
    lastInput = input;
    held = true;
    return lastAnswer;
  };
}

/** The last non-empty segment of the URL's path, as the WHATWG URL parser reads it. */
const providerInPath = lastRead((url) => segmentInPath(url ?? ''));

function segmentInPath(url: string): string | undefined {
  // The usual `https://host/webhooks/ses` without building a URL (a few µs per request).
  const plain = plainPath.exec(url);
  if (plain) return plain[1];
  try {
    return new URL(url, 'http://localhost').pathname.split('/').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

export function createWebhookHandler(options: WebhookHandlerOptions): RelayWebhooks {
  const byName = new Map(options.providers.map((p) => [p.name, p]));
  const maxDepth = options.maxDepth ?? maxWebhookDepth;
  const context: WebhookContext = {
    now: Date.now,
    remember: (key, ttlMs) => options.dedupe.remember(`webhook:${key}`, ttlMs),
    fetch: options.fetch,
  };
  const alert = (a: WebhookAlert) => {
    try {
      options.onAlert?.(a);
    } catch (error) {
      options.onError('a webhook alert listener threw', error);
    }
  };

  type Route = { provider: Provider; webhook: NonNullable<Provider['webhook']> };

  /** The provider a request is for, or the answer refusing it (404 unknown, 405 not a POST). */
  function route(url: string, method: string, handleOptions: { provider?: string }) {
    const name = handleOptions.provider ?? providerInPath(url);
    const provider = name === undefined ? undefined : byName.get(name);
    if (!provider?.webhook) {
      return text(
        404,
        `[relaykit] no webhook for '${short(name ?? '', 100)}'; route it to /<provider name> (${[...byName.keys()].join(', ')})`,
      );
    }
    if (method !== 'POST') return text(405, '[relaykit] webhooks are POST requests');
    return { provider, webhook: provider.webhook } satisfies Route;
  }

  async function handle(request: Request, handleOptions: { provider?: string }) {
    // Read once: a Request serialises its URL on every read of `url`.
    const url = request.url;
    const to = route(url, request.method, handleOptions);
    if (!('webhook' in to)) return to;
    let body: string;
    try {
      body = await readBody(request, options.maxBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return tooLarge;
      return text(400, '[relaykit] the webhook body could not be read');
    }
    return intake(to, { method: request.method, url, headers: request.headers, body });
  }

  async function handleRaw(request: RawWebhookRequest, handleOptions: { provider?: string }) {
    const method = String(request.method).toUpperCase();
    const url =
      typeof request.url === 'string' && request.url.startsWith('/')
        ? `http://localhost${request.url}`
        : String(request.url);
    const to = route(url, method, handleOptions);
    if (!('webhook' in to)) return to;
    const raw = request.body;
    let body: string;
    if (typeof raw === 'string') {
      // Cheap before exact: each UTF-16 unit of a string is 1 to 3 bytes of UTF-8.
      const over =
        raw.length > options.maxBytes ||
        (raw.length * 3 > options.maxBytes && Buffer.byteLength(raw) > options.maxBytes);
      if (over) return tooLarge;
      body = raw;
    } else if (ArrayBuffer.isView(raw)) {
      // Any view of bytes, from this realm or another (a Buffer, a Uint8Array, a DataView).
      if (raw.byteLength > options.maxBytes) return tooLarge;
      body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    } else {
      return text(400, '[relaykit] the webhook body could not be read (give a string or bytes)');
    }
    return intake(to, { method, url, headers: headersOf(request.headers), body });
  }

  /** A routed request with its body read: verified, parsed, its events stored, then answered. */
  async function intake({ provider, webhook }: Route, incoming: WebhookRequest) {
    const body = incoming.body;
    // Bounded before verification: some signatures (Mailgun's, SNS's) sit inside the JSON body, so
    // checking them means parsing a stranger's bytes.
    if (nestsDeeperThan(body, maxDepth))
      return text(400, `[relaykit] webhook body nests deeper than ${maxDepth} levels`);
    try {
      await webhook.verify(incoming, context);
    } catch (error) {
      options.onError(`webhook for '${provider.name}' failed verification`, error);
      if (error instanceof RelayError && error.retryable)
        return text(503, '[relaykit] webhook verification is unavailable; the provider will retry');
      // Nothing from an unverified request is recorded; the reason stays in the relay's logs.
      return text(401, '[relaykit] webhook verification failed');
    }
    // Keys an adapter remembers while parsing (SNS MessageIds, say) are held back until the
    // events are stored: marked first, a failed write would make the redelivery look replayed.
    const pending: Array<[string, number]> = [];
    const has = options.dedupe.has;
    const parseContext: WebhookContext =
      has === undefined
        ? context
        : {
            now: context.now,
            fetch: context.fetch,
            remember: async (key, ttlMs) => {
              const full = `webhook:${key}`;
              if (pending.some(([k]) => k === full) || (await has.call(options.dedupe, full)))
                return false;
              pending.push([full, ttlMs]);
              return true;
            },
          };
    let parsed: WebhookParseResult;
    try {
      parsed = await webhook.parse(incoming, parseContext);
    } catch (error) {
      if (error instanceof RelayError && error.retryable) {
        options.onError(`webhook for '${provider.name}' could not be processed now`, error);
        return text(503, '[relaykit] webhook processing is unavailable; the provider will retry');
      }
      if (error instanceof RelayError && error.kind === 'auth') {
        options.onError(`webhook for '${provider.name}' failed verification`, error);
        return text(401, '[relaykit] webhook verification failed');
      }
      // Authentic but not understood: acknowledged, so the provider does not resend it for hours,
      // and reported, so a person can look.
      const reason = reasonOf(error);
      alert({
        type: 'webhook-unreadable',
        provider: provider.name,
        reason,
        message: `an authenticated '${provider.name}' webhook could not be read and was acknowledged: ${reason}`,
      });
      return text(200, 'ok (unreadable, reported)');
    }
    try {
      await options.ingest(cleanEvents(parsed.events));
      for (const [key, ttlMs] of pending) await options.dedupe.remember(key, ttlMs);
    } catch (error) {
      options.onError(`webhook events from '${provider.name}' could not be stored`, error);
      // 500 makes the provider redeliver, and the event is applied then: nothing is marked seen
      // before its effects are stored.
      return text(500, '[relaykit] webhook events could not be stored; the provider will retry');
    }
    for (const item of parsed.unreadable ?? []) {
      const reason = short(item.reason);
      alert({
        type: 'webhook-unreadable',
        provider: provider.name,
        ...(item.eventId === undefined ? {} : { eventId: short(item.eventId, 200) }),
        reason,
        message: `an authenticated '${provider.name}' event${item.eventId === undefined ? '' : ` (${short(item.eventId, 200)})`} could not be read and was acknowledged: ${reason}`,
      });
    }
    if (parsed.misrouted) {
      const what = short(parsed.misrouted.what);
      alert({
        type: 'webhook-misrouted',
        provider: provider.name,
        what,
        message: `the '${provider.name}' webhook received ${what}, which carries no delivery events: check which hook posts to this URL`,
      });
    }
    if (parsed.response) {
      return {
        status: parsed.response.status,
        body: parsed.response.body ?? '',
        headers: parsed.response.headers ?? noHeaders,
      };
    }
    return accepted;
  }

  /** Not reached by any known path; a fault in relaykit itself is answered, never thrown. */
  const failed = (error: unknown) => {
    options.onError('webhook handling failed', error);
    return text(500, '[relaykit] webhook processing failed; the provider will retry');
  };

  return {
    async handle(request, handleOptions = {}) {
      let answer: WebhookAnswer;
      try {
        answer = await handle(request, handleOptions);
      } catch (error) {
        answer = failed(error);
      }
      return responseOf(answer);
    },
    async handleRaw(request, handleOptions = {}) {
      try {
        return await handleRaw(request, handleOptions);
      } catch (error) {
        return failed(error);
      }
    },
  };
}

/**
 * Each webhook request as a span (`relaykit.webhook`): the provider, the HTTP status answered and
 * the verification outcome; the intake adds the event types it took in. Counted in
 * `relaykit.webhook.requests`.
 */
export function observeWebhooks(telemetry: Telemetry, handler: RelayWebhooks): RelayWebhooks {
  if (!telemetry.enabled) return handler;
  /** Neither a tracer nor a meter of an SDK: nothing to record, so no URL to parse either. */
  const idle = () => !telemetry.metering && !telemetry.tracing();
  const observed = async <A extends { status: number }>(
    url: string,
    options: { provider?: string } | undefined,
    run: () => Promise<A>,
  ): Promise<A> => {
    let provider = options?.provider;
    try {
      provider ??= new URL(url, 'http://localhost').pathname.split('/').pop() ?? '';
    } catch {
      // Not a URL: the handler answers it 404; the span still records the request.
      provider = '';
    }
    return telemetry.span('relaykit.webhook', { 'relaykit.provider': provider }, async (span) => {
      const answer = await run();
      const attributes = {
        'relaykit.provider': provider,
        'relaykit.webhook.verification': verification(answer.status),
        'http.response.status_code': answer.status,
      };
      span.set(attributes);
      telemetry.recordWebhook(attributes);
      return answer;
    });
  };
  return {
    handle: (request, options) =>
      idle()
        ? handler.handle(request, options)
        : observed(request.url, options, () => handler.handle(request, options)),
    handleRaw: (request, options) =>
      idle()
        ? handler.handleRaw(request, options)
        : observed(String(request.url), options, () => handler.handleRaw(request, options)),
  };
}

/** What a status says of verification (see webhookStatuses). */
function verification(status: number): 'verified' | 'failed' | 'unavailable' | 'not-checked' {
  if (status === webhookStatuses.unauthorized) return 'failed';
  if (status === webhookStatuses.unavailable) return 'unavailable';
  if (status === webhookStatuses.ok || status === webhookStatuses.storeFailed) return 'verified';
  return 'not-checked';
}
