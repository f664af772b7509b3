/**
 * `@relaykit/mailgun/client`: mailgun.js's sending surface (`new Mailgun(FormData).client(options)
 * .messages.create(domain, data)`) backed by a relay, so moving an app onto relaykit is one changed
 * import line:
 *
 *   - import Mailgun from 'mailgun.js';
 *   + import Mailgun from '@relaykit/mailgun/client';
 *
 * Inputs are mailgun.js's own `MailgunMessageData`, results its `MessagesSendResult`
 * (`{ id, message, status }`), failures an error shaped as its `APIError` (`status`, `details`,
 * `type: 'MailgunAPIError'`; Mailgun's own error is rethrown as mailgun.js built it), with
 * relaykit's detail in `relaykit`. Everything that is not sending (domains, events, suppressions,
 * templates management, validation) stays with mailgun.js's own client.
 */
import {
  memoryDedupe,
  memoryLedger,
  memoryOutbox,
  memoryRateStore,
  memoryStateStore,
  memoryStrikeStore,
  memorySuppressionStore,
  RelayError,
} from '@relaykit/core';
import type { MessageInput, Relay, SendReport, StoreSet } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { ClientRelayOptions, RelaykitDetails } from '@relaykit/core/adapter';
import type {
  MailgunClientOptions,
  MailgunMessageData,
  MessagesSendResult,
} from 'mailgun.js/definitions';
import type { MailgunOptions } from './options.ts';
import { mailgun } from './provider.ts';

export type { ClientRelayOptions, RelaykitDetails };

/** The `mailgun()` options mailgun.js's client options stand for, and the domain `create` names. */
type FromSdk = 'apiKey' | 'baseUrl' | 'timeoutMs' | 'domain';

/** The `mailgun()` adapter options a client-built provider takes (not credentials or domain). */
export type ClientProviderOptions = kit.DropInProviderOptions<MailgunOptions, FromSdk>;

/** mailgun.js's client options, plus where relaykit sends from. */
export type ClientOptions = MailgunClientOptions & {
  /**
   * An existing relay (so several clients share stores and limits; its providers send, whatever
   * domain `create` names), or options for the relays this client builds: one per sending domain,
   * Mailgun first, then `providers`, sharing one set of memory stores.
   */
  relay?: Relay | ClientRelayOptions;
  /** Options of the `mailgun()` providers this client builds (webhook, trackOpens, testMode, ...). */
  mailgun?: ClientProviderOptions;
};

/**
 * An error shaped as mailgun.js's APIError (mailgun.js Types/Classes/common/Error.d.ts: `status`,
 * `details`, `type` 'MailgunAPIError', so `APIError.isApiError` accepts it), with relaykit's detail.
 */
class MailgunAPIError extends Error {
  status: number;
  details: string;
  type = 'MailgunAPIError';
  relaykit: RelaykitDetails;

  constructor(status: number, message: string, details: string, relaykit: RelaykitDetails) {
    super(message);
    this.status = status;
    this.details = details;
    this.relaykit = relaykit;
  }
}

export type ClientError = Error & {
  status: number;
  details: string;
  type: string;
  relaykit: RelaykitDetails;
};

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** A relaykit failure → the error mailgun.js callers catch (`status`, `details`). */
function toMailgunSdkError(error: unknown, messageId?: string): ClientError {
  const failure = client.failure(error, messageId);
  const { error: relayError, details: relaykit } = failure;
  const cause = failure.cause as Partial<ClientError> | undefined;
  // Mailgun's own answer, as mailgun.js built it: rethrown as it is.
  if (typeof cause === 'object' && cause !== null && cause.type === 'MailgunAPIError') {
    return Object.assign(cause as ClientError, { relaykit });
  }
  const status =
    relayError.kind === 'auth'
      ? 401
      : relayError.kind === 'rate-limited'
        ? 429
        : relayError.kind === 'provider-unavailable'
          ? 503
          : relayError.kind === 'transient'
            ? (relayError.status ?? 500)
            : 400;
  return new MailgunAPIError(
    status,
    statusText[status] ?? 'Error',
    relayError.message,
    relaykit,
  ) as ClientError;
}

/**
 * Mailgun's names for a suppressed recipient (the `reason` of a `failed` event,
 * https://documentation.mailgun.com/docs/mailgun/user-manual/events/#event-structure).
 */
const mailgunReason: Record<string, string> = {
  'hard-bounce': 'suppress-bounce',
  'soft-bounce-limit': 'suppress-bounce',
  complaint: 'suppress-complaint',
  unsubscribe: 'suppress-unsubscribe',
};

/**
 * No recipient was sent (all suppressed or refused). Mailgun itself queues a message to a
 * suppressed address and reports it as a `failed` event with reason `suppress-bounce` /
 * `suppress-complaint` / `suppress-unsubscribe`; relaykit sends nothing, so there is no id, and
 * it answers as Mailgun answers a request it will not queue: 400 with the reasons in `details`.
 */
function noneSent(report: SendReport): ClientError {
  const details = client.noneSent(report, {
    label: (r) =>
      `${r.address} (${r.status === 'suppressed' ? (mailgunReason[r.reason ?? ''] ?? `suppress-${r.reason ?? 'manual'}`) : 'rejected'}: ${r.reason ?? ''})`,
  });
  return new MailgunAPIError(400, 'Bad Request', details.error.message, details) as ClientError;
}

function refuse(field: string, why: string): ClientError {
  const details = client.refusal(field, why);
  return new MailgunAPIError(400, 'Bad Request', details.error.message, details) as ClientError;
}

const yes = (v: unknown) => v === true || v === 'yes' || v === 'true';

/** A mailgun.js attachment → relaykit attachments (Buffer, string or `{ data, filename }`). */
function attachmentsOf(value: unknown, field: string): NonNullable<MessageInput['attachments']> {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item: unknown, i) => {
    const at = `${field}[${i}]`;
    if (item instanceof Uint8Array) {
      return { filename: `attachment-${i + 1}`, content: new Uint8Array(item) };
    }
    if (typeof item === 'object' && item !== null && 'data' in item) {
      const file = item as { data: unknown; filename?: unknown; contentType?: unknown };
      if (!(file.data instanceof Uint8Array) && typeof file.data !== 'string') {
        throw refuse(
          at,
          'relaykit takes attachment data as a Buffer or string; read the stream first',
        );
      }
      return {
        ...(typeof file.filename === 'string' ? { filename: file.filename } : {}),
        content: typeof file.data === 'string' ? file.data : new Uint8Array(file.data),
        ...(typeof file.contentType === 'string' ? { contentType: file.contentType } : {}),
      };
    }
    throw refuse(
      at,
      'give a Buffer or { data, filename }; relaykit does not read files or streams',
    );
  });
}

type TemplateData = NonNullable<MessageInput['template']>['data'];

interface Settings {
  trackOpens: boolean | undefined;
  trackClicks: boolean | 'htmlonly' | undefined;
  testMode: boolean;
}

/** mailgun.js's `MailgunMessageData` → relaykit's message; refuses what relaykit cannot carry. */
function toInput(data: MailgunMessageData, settings: Settings): MessageInput {
  if (typeof data !== 'object' || data === null) throw refuse('data', 'give the message data');
  const input = { from: data.from } as MessageInput;
  if (data.subject !== undefined) input.subject = data.subject;
  const headers: Record<string, string> = {};
  const metadata: Record<string, string> = {};
  let template: string | undefined;
  let variables: Record<string, unknown> | undefined;
  const parseVariables = (key: string, value: unknown): Record<string, unknown> => {
    try {
      const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // Refused below.
    }
    throw refuse(key, 'give the template variables as a JSON object (or its JSON.stringify)');
  };
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    switch (key) {
      case 'template':
        // A stored template by name, its variables in h:X-Mailgun-Variables or t:variables
        // (mailgun.js README "Templates"; https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/#templates).
        template = String(value);
        continue;
      case 't:variables':
        variables = { ...variables, ...parseVariables(key, value) };
        continue;
      case 'from':
      case 'subject':
        continue;
      case 'to':
      case 'cc':
      case 'bcc':
        input[key] = value as string | string[];
        continue;
      case 'text':
      case 'html':
        input[key] = value as string;
        continue;
      case 'attachment':
      case 'inline': {
        const files = attachmentsOf(value, key);
        if (key === 'inline') {
          // Mailgun references an inline file by its filename (cid:filename).
          for (const f of files) if (f.filename !== undefined) f.cid = f.filename;
        }
        input.attachments = [...(input.attachments ?? []), ...files];
        continue;
      }
      case 'o:tag':
        input.tags = Array.isArray(value) ? (value as string[]) : [value as string];
        continue;
      case 'o:deliverytime':
        // RFC 2822 date (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/#scheduling-delivery).
        if (Number.isNaN(Date.parse(String(value)))) {
          throw refuse(key, 'give an RFC 2822 date, e.g. "Fri, 14 Oct 2011 23:10:10 -0000"');
        }
        input.sendAt = new Date(String(value));
        continue;
      case 'o:tracking-opens':
        if (yes(value) === settings.trackOpens) continue;
        throw refuse(
          key,
          `relaykit sets open tracking per provider; pass mailgun: { trackOpens: ${String(yes(value))} } in the client options`,
        );
      case 'o:tracking-clicks': {
        const want = value === 'htmlonly' ? 'htmlonly' : yes(value);
        if (want === settings.trackClicks) continue;
        throw refuse(
          key,
          `relaykit sets click tracking per provider; pass mailgun: { trackClicks: ${JSON.stringify(want)} } in the client options`,
        );
      }
      case 'o:testmode':
        if (yes(value) === settings.testMode) continue;
        throw refuse(
          key,
          `relaykit sets test mode per provider; pass mailgun: { testMode: ${String(yes(value))} } in the client options`,
        );
    }
    if (key.toLowerCase() === 'h:x-mailgun-variables') {
      variables = { ...variables, ...parseVariables(key, value) };
      continue;
    }
    if (key.startsWith('h:') && key.length > 2) {
      const name = key.slice(2);
      if (name.toLowerCase() === 'reply-to') input.replyTo = String(value);
      else headers[name] = String(value);
      continue;
    }
    if (key.startsWith('v:') && key.length > 2) {
      metadata[key.slice(2)] = typeof value === 'string' ? value : JSON.stringify(value);
      continue;
    }
    throw refuse(key, 'relaykit does not carry this field; remove it');
  }
  if (Object.keys(headers).length > 0) input.headers = headers;
  if (Object.keys(metadata).length > 0) input.metadata = metadata;
  if (template !== undefined) {
    input.template = { ids: { mailgun: template }, data: (variables ?? {}) as TemplateData };
  } else if (variables !== undefined) {
    throw refuse('template', 'template variables were given without a template name; add template');
  }
  return input;
}

/** Mailgun's answer to POST /v3/{domain}/messages as mailgun.js returns it. */
function toResult(report: SendReport): MessagesSendResult {
  const id = report.providerMessageId ?? report.messageId;
  return {
    id: id.startsWith('<') ? id : `<${id}>`,
    message: 'Queued. Thank you.',
    status: 200,
  };
}

const client = kit.dropInClient({
  provider: 'mailgun',
  caller: 'client',
  honoured: ['username', 'key', 'url', 'timeout', 'relay', 'mailgun'],
  elsewhere: () =>
    ` (the relay's mailgun adapter makes the requests; keep mailgun.js's own client for calls outside sending)`,
});

/** `mg.messages`: `create(domain, data)` through the relay. */
class MessagesClient {
  constructor(private readonly owner: MailgunClient) {}

  async create(domain: string, data: MailgunMessageData): Promise<MessagesSendResult> {
    if (typeof domain !== 'string' || domain.trim() === '') {
      throw refuse('domain', 'give the sending domain, e.g. "mg.example.com"');
    }
    const input = toInput(data, this.owner.settings);
    const relay = this.owner.relayFor(domain);
    let report: SendReport;
    try {
      report = await relay.send(input);
    } catch (error) {
      throw toMailgunSdkError(error);
    }
    if (report.status === 'none') throw noneSent(report);
    return toResult(report);
  }
}

/** What `new Mailgun(FormData).client(options)` returns: `messages.create` backed by a relay. */
class MailgunClient {
  readonly messages: MessagesClient;
  /** @internal */
  readonly settings: Settings;
  readonly #options: ClientOptions;
  readonly #relays = new Map<string, Relay>();
  readonly #given: Relay | undefined;
  readonly #stores: StoreSet | undefined;

  constructor(options: ClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new RelayError({
        kind: 'config',
        provider: 'mailgun',
        message: 'client: give the options ({ username: "api", key })',
      });
    }
    this.#options = options;
    const given = options.relay;
    const existing = client.accept(options, given, options.mailgun);
    if (existing) {
      this.#given = existing;
    } else if (!options.key) {
      throw new RelayError({
        kind: 'config',
        provider: 'mailgun',
        message: 'client: Parameter "key" is required (your Mailgun API key)',
      });
    }
    // The relays of several sending domains share one set of stores (suppressions hold across them).
    this.#stores =
      existing !== undefined || given?.stores !== undefined
        ? (given as ClientRelayOptions | undefined)?.stores
        : {
            suppression: memorySuppressionStore(),
            strikes: memoryStrikeStore(),
            ledger: memoryLedger(),
            state: memoryStateStore(),
            dedupe: memoryDedupe(),
            outbox: memoryOutbox(),
            rate: memoryRateStore(),
          };
    this.settings = {
      trackOpens: options.mailgun?.trackOpens,
      trackClicks: options.mailgun?.trackClicks,
      testMode: options.mailgun?.testMode ?? false,
    };
    this.messages = new MessagesClient(this);
  }

  /** The relay that sends for `domain` (the given one, or the one this client built for it). */
  relayFor(domain: string): Relay {
    if (this.#given) return this.#given;
    const key = domain.trim().toLowerCase();
    let relay = this.#relays.get(key);
    if (!relay) {
      const options = this.#options;
      const provider = mailgun({
        webhook: false,
        ...options.mailgun,
        apiKey: options.key,
        domain: key,
        ...(options.url === undefined ? {} : { baseUrl: options.url }),
        ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      });
      relay = client.build(options.relay, provider, this.#stores ? { stores: this.#stores } : {});
      this.#relays.set(key, relay);
    }
    return relay;
  }

  /** Closes the relays this client built (not a relay it was given). */
  async close(): Promise<void> {
    await Promise.all([...this.#relays.values()].map((r) => r.close()));
    this.#relays.clear();
  }
}

/**
 * mailgun.js's entry class, backed by a relay.
 *
 * @example
 * import Mailgun from '@relaykit/mailgun/client';
 * const mg = new Mailgun(FormData).client({ username: 'api', key: process.env.MAILGUN_API_KEY });
 * await mg.messages.create('sandbox-123.mailgun.org', { from: 'Excited User <mailgun@sandbox-123.mailgun.org>', to: ['test@example.com'], subject: 'Hello', text: 'Testing some Mailgun awesomness!' });
 */
export default class Mailgun {
  /**
   * The class itself, as mailgun.js has it: `require('@relaykit/mailgun/client')` is the class (the
   * module has no other runtime export), and `.default` works too.
   */
  static get default(): typeof Mailgun {
    return this;
  }

  /** The error class this client throws (mailgun.js's APIError fields). */
  static readonly MailgunAPIError = MailgunAPIError;
  /** A relaykit failure → the error mailgun.js callers catch. */
  static readonly toMailgunSdkError = toMailgunSdkError;

  /** mailgun.js needs a FormData to build requests; relaykit's adapter has its own, so any is taken. */
  constructor(_formData?: unknown) {}

  client(options: ClientOptions): MailgunClient {
    return new MailgunClient(options);
  }
}

export type { MailgunAPIError, MailgunClient };
