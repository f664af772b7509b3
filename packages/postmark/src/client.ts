/**
 * `@relaykit/postmark/client`: the postmark SDK's sending surface (`ServerClient.sendEmail`,
 * `sendEmailBatch`, `sendEmailWithTemplate`, `sendEmailBatchWithTemplates`) backed by a relay, so moving an app onto relaykit is one changed import line:
 *
 *   - import { ServerClient } from 'postmark';
 *   + import { ServerClient } from '@relaykit/postmark/client';
 *
 * Inputs are the SDK's own `Message` model, results its `MessageSendingResponse`, failures its own
 * error classes (`Errors.*` of the postmark package, with `code` and `statusCode`), each carrying
 * relaykit's detail in `relaykit`. Everything that is not sending (bounces, templates management,
 * stats, servers) stays with the SDK's own ServerClient.
 */
import type { BatchResult, MessageInput, Relay, SendReport } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { ClientRelayOptions, RelaykitDetails } from '@relaykit/core/adapter';
import { Errors, type Message, type Models, type TemplatedMessage } from 'postmark';
import { defaultMessageStream, type PostmarkOptions } from './options.ts';
import { postmark } from './provider.ts';

type MessageSendingResponse = Models.MessageSendingResponse;

export type { ClientRelayOptions, RelaykitDetails };

/** The `postmark()` options the SDK's own stand for: the server token, the API host and the timeout. */
type FromSdk = 'serverToken' | 'baseUrl' | 'timeoutMs';

/** The `postmark()` adapter options a client-built relay's provider takes (not the credentials). */
export type ClientProviderOptions = kit.DropInProviderOptions<PostmarkOptions, FromSdk>;

/** The SDK's `ClientOptions.Configuration`, plus where relaykit sends from. */
export interface ServerClientOptions {
  /** postmark SDK: http or https. @default true */
  useHttps?: boolean;
  /** postmark SDK: the API host (and path). @default 'api.postmarkapp.com' */
  requestHost?: string;
  /** postmark SDK: request timeout in seconds. @default 180 */
  timeout?: number;
  /** postmark SDK: a custom fetch. Refused: the relay's postmark adapter makes the requests. */
  fetch?: Models.ClientOptions.FetchImplementation;
  /**
   * An existing relay (so several clients share stores and limits), or options for the relay this
   * client builds: Postmark first, then `providers`, memory stores, default throttle and
   * suppression. With an existing relay, the relay's providers send and the token goes unused.
   */
  relay?: Relay | ClientRelayOptions;
  /** Options of the `postmark()` provider this client builds (webhook, messageStreams, ...). */
  postmark?: ClientProviderOptions;
}

/** A postmark SDK error as this client throws it: the SDK's class, with relaykit's detail. */
export type ClientError = Errors.PostmarkError & { relaykit: RelaykitDetails };

const client = kit.dropInClient({
  provider: 'postmark',
  caller: 'ServerClient',
  honoured: ['useHttps', 'requestHost', 'timeout', 'relay', 'postmark'],
  elsewhere: (unknown) =>
    `${unknown.includes('fetch') ? ' (the relay makes the requests; give the postmark SDK its own fetch for calls outside sending)' : ''}`,
});

/** Postmark's 406 text, which the SDK parses into `InactiveRecipientsError.recipients`
 * (https://postmarkapp.com/developer/api/overview#error-codes; postmark dist/client/errors/Errors.js). */
const inactiveText = (addresses: readonly string[]) =>
  `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${addresses.join(', ')}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`;

function attach<E extends Errors.PostmarkError>(error: E, details: RelaykitDetails): ClientError {
  return Object.assign(error, { relaykit: details });
}

/** A relaykit failure → the postmark SDK error a caller already catches (ErrorHandler.js's classes). */
export function toPostmarkSdkError(error: unknown, messageId?: string): ClientError {
  const { error: relayError, details, cause } = client.failure(error, messageId);
  // Postmark's own answer, as the SDK built it: rethrown as it is.
  if (cause instanceof Errors.PostmarkError) return attach(cause, details);
  const text = relayError.message;
  switch (relayError.kind) {
    case 'auth':
      return attach(new Errors.InvalidAPIKeyError(text, 10, 401), details);
    case 'rate-limited':
      return attach(new Errors.RateLimitExceededError(text, 429, 429), details);
    case 'provider-unavailable':
      return attach(new Errors.ServiceUnavailablerError(text, 100, 503), details);
    case 'suppressed':
    case 'recipient-rejected':
      return attach(
        Errors.ApiInputError.buildSpecificError(
          inactiveText(relayError.recipients ?? []),
          406,
          422,
        ),
        details,
      );
    case 'invalid':
    case 'message-rejected':
      return attach(Errors.ApiInputError.buildSpecificError(text, 300, 422), details);
    case 'template':
      // Postmark's ErrorCode 1101: no template by that id or alias on this server
      // (https://postmarkapp.com/developer/api/overview#error-codes).
      return attach(Errors.ApiInputError.buildSpecificError(text, 1101, 422), details);
    case 'config':
    case 'transient':
      // What the SDK throws when no Postmark answer came (status 0, code 0).
      return attach(new Errors.PostmarkError(text), details);
  }
}

/** A report with no recipient sent: all suppressed or refused → Postmark's InactiveRecipientsError. */
function noneSent(report: SendReport): ClientError {
  const addresses = report.recipients.map((r) => r.address);
  return attach(
    Errors.ApiInputError.buildSpecificError(inactiveText(addresses), 406, 422),
    client.noneSent(report),
  );
}

function refuse(field: string, why: string): ClientError {
  const details = client.refusal(field, why);
  return attach(Errors.ApiInputError.buildSpecificError(details.error.message, 300, 422), details);
}

/** Refuses what is not base64 (Postmark's Attachment.Content is base64). */
function base64(content: string, field: string): string {
  const compact = typeof content === 'string' ? content.replace(/\s+/gu, '') : '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/u.test(compact) || compact.length % 4 === 1) {
    throw refuse(field, 'Postmark takes attachment Content as base64; encode the file');
  }
  return compact;
}

interface Settings {
  external: boolean;
  messageStream: string;
  /** Postmark MessageStream id → relaykit stream, from the provider's `messageStreams`. */
  streams: Map<string, string>;
  trackOpens: boolean | undefined;
  trackLinks: string | undefined;
}

/** Postmark's `Message` → relaykit's message. Throws InvalidEmailRequestError for what relaykit cannot carry. */
function toInput(
  email: Message | TemplatedMessage,
  settings: Settings,
  at = '',
  templated = false,
): MessageInput {
  if (typeof email !== 'object' || email === null) {
    throw refuse(`${at}message`, 'give a Postmark Message object');
  }
  const known = new Set([
    'From',
    'To',
    'Cc',
    'Bcc',
    'ReplyTo',
    ...(templated
      ? ['TemplateId', 'TemplateAlias', 'TemplateModel']
      : ['Subject', 'HtmlBody', 'TextBody']),
    'Tag',
    'Metadata',
    'Headers',
    'Attachments',
    'MessageStream',
    'TrackOpens',
    'TrackLinks',
  ]);
  for (const key of Object.keys(email)) {
    if (!known.has(key) && (email as unknown as Record<string, unknown>)[key] !== undefined) {
      throw refuse(`${at}${key}`, 'relaykit does not carry this field; remove it');
    }
  }
  // Tracking is set per provider in relaykit (postmark({ trackOpens, trackLinks })): a message
  // asking for something else would be sent with the provider's setting, so it is refused.
  if (email.TrackOpens !== undefined && email.TrackOpens !== settings.trackOpens) {
    throw refuse(
      `${at}TrackOpens`,
      `relaykit sets open tracking per provider; pass it as postmark: { trackOpens: ${String(email.TrackOpens)} } in the ServerClient options${settings.external ? " (or on the relay's postmark provider)" : ''}`,
    );
  }
  if (email.TrackLinks !== undefined && email.TrackLinks !== settings.trackLinks) {
    throw refuse(
      `${at}TrackLinks`,
      `relaykit sets link tracking per provider; pass it as postmark: { trackLinks: '${String(email.TrackLinks)}' } in the ServerClient options${settings.external ? " (or on the relay's postmark provider)" : ''}`,
    );
  }
  const input = { from: email.From } as MessageInput;
  if (templated) {
    // Postmark names a template by numeric TemplateId or by TemplateAlias
    // (https://postmarkapp.com/developer/api/templates-api#email-with-template); the postmark
    // adapter sends an all-digit id as TemplateId and anything else as TemplateAlias.
    const t = email as TemplatedMessage;
    const id = t.TemplateId !== undefined ? String(t.TemplateId) : t.TemplateAlias;
    if (id === undefined || id === '') {
      throw refuse(`${at}TemplateId`, 'give TemplateId or TemplateAlias');
    }
    input.template = { ids: { postmark: id }, data: { ...(t.TemplateModel ?? {}) } };
  } else {
    const m = email as Message;
    input.subject = m.Subject;
    if (m.HtmlBody !== undefined) input.html = m.HtmlBody;
    if (m.TextBody !== undefined) input.text = m.TextBody;
  }
  if (email.To !== undefined) input.to = email.To;
  if (email.Cc !== undefined) input.cc = email.Cc;
  if (email.Bcc !== undefined) input.bcc = email.Bcc;
  if (email.ReplyTo !== undefined) input.replyTo = email.ReplyTo;
  if (email.Tag !== undefined) input.tags = [email.Tag];
  if (email.Metadata !== undefined) input.metadata = { ...email.Metadata };
  if (email.Headers !== undefined) {
    input.headers = Object.fromEntries(email.Headers.map((h) => [h.Name, h.Value]));
  }
  if (email.Attachments !== undefined) {
    input.attachments = email.Attachments.map((a, i) => ({
      filename: a.Name,
      content: base64(a.Content, `${at}Attachments[${i}].Content`),
      encoding: 'base64' as const,
      ...(a.ContentType ? { contentType: a.ContentType } : {}),
      ...(a.ContentID ? { cid: a.ContentID.replace(/^cid:/iu, '') } : {}),
    }));
  }
  const stream = email.MessageStream;
  if (stream !== undefined && stream !== settings.messageStream) {
    const mapped = settings.streams.get(stream);
    if (mapped !== undefined) input.stream = mapped;
    else if (settings.external) input.stream = stream;
    else {
      throw refuse(
        `${at}MessageStream`,
        `this client sends to '${settings.messageStream}' only; map '${stream}' with postmark: { messageStreams: { ${JSON.stringify(stream)}: ${JSON.stringify(stream)} } } in the ServerClient options`,
      );
    }
  }
  return input;
}

/** A relay report → the SDK's MessageSendingResponse (POST /email's answer). */
function toResponse(email: Message | TemplatedMessage, report: SendReport): MessageSendingResponse {
  return {
    ...(email.To === undefined ? {} : { To: email.To }),
    ...(email.Cc === undefined ? {} : { Cc: email.Cc }),
    ...(email.Bcc === undefined ? {} : { Bcc: email.Bcc }),
    SubmittedAt: new Date().toISOString(),
    MessageID: report.providerMessageId ?? '',
    ErrorCode: 0,
    Message: 'OK',
  };
}

/** A batch element that failed, as Postmark answers it inside a 200 (ErrorCode and Message). */
function failedElement(
  email: Message | TemplatedMessage,
  error: ClientError,
): MessageSendingResponse {
  return Object.assign(
    {
      ...(email.To === undefined ? {} : { To: email.To }),
      SubmittedAt: '',
      MessageID: '',
      ErrorCode: error.code,
      Message: error.message,
    },
    { relaykit: error.relaykit },
  );
}

function settle<T>(promise: Promise<T>, callback?: Models.Callback<T>): Promise<T> {
  if (callback) {
    promise.then(
      (result) => callback(null, result),
      (error: Errors.PostmarkError) => callback(error, null),
    );
  }
  return promise;
}

/**
 * The postmark SDK's ServerClient for sending, backed by a relay: retry with backoff, throttling,
 * suppression, failover, events. Built from the same arguments as the SDK's.
 *
 * @example
 * import { ServerClient } from '@relaykit/postmark/client';
 * const client = new ServerClient(process.env.POSTMARK_SERVER_TOKEN);
 * await client.sendEmail({ From: 'sender@example.com', To: 'receiver@example.com', Subject: 'Test', TextBody: 'Hello' });
 */
export class ServerClient {
  /** The relay that sends (built by this client unless one was given). */
  readonly relay: Relay;
  readonly #settings: Settings;

  constructor(serverToken: string, configOptions: ServerClientOptions = {}) {
    const given = configOptions.relay;
    const providerOptions = configOptions.postmark ?? {};
    const existing = client.accept(configOptions, given, configOptions.postmark);
    const host = configOptions.requestHost ?? 'api.postmarkapp.com';
    this.relay =
      existing ??
      client.build(
        given,
        postmark({
          ...providerOptions,
          serverToken,
          baseUrl: `${configOptions.useHttps === false ? 'http' : 'https'}://${host}`,
          ...(configOptions.timeout === undefined
            ? {}
            : { timeoutMs: configOptions.timeout * 1000 }),
        }),
      );
    const streams = new Map<string, string>();
    for (const [stream, id] of Object.entries(providerOptions.messageStreams ?? {})) {
      if (!streams.has(id)) streams.set(id, stream);
    }
    this.#settings = {
      external: existing !== undefined,
      messageStream: providerOptions.messageStream ?? defaultMessageStream,
      streams,
      trackOpens: providerOptions.trackOpens,
      trackLinks: providerOptions.trackLinks,
    };
  }

  /** POST /email through the relay. Resolves with Postmark's MessageSendingResponse. */
  sendEmail(
    email: Message,
    callback?: Models.Callback<MessageSendingResponse>,
  ): Promise<MessageSendingResponse> {
    return settle(this.#send(email), callback);
  }

  /** POST /email/batch through the relay: one answer per message, failures as ErrorCode/Message. */
  sendEmailBatch(
    emails: Message[],
    callback?: Models.Callback<MessageSendingResponse[]>,
  ): Promise<MessageSendingResponse[]> {
    return settle(this.#batch(emails), callback);
  }

  /** POST /email/withTemplate through the relay (the template as relaykit's `template` field). */
  sendEmailWithTemplate(
    template: TemplatedMessage,
    callback?: Models.Callback<MessageSendingResponse>,
  ): Promise<MessageSendingResponse> {
    return settle(this.#send(template, true), callback);
  }

  /** POST /email/batchWithTemplates through the relay: one answer per message. */
  sendEmailBatchWithTemplates(
    templates: TemplatedMessage[],
    callback?: Models.Callback<MessageSendingResponse[]>,
  ): Promise<MessageSendingResponse[]> {
    return settle(this.#batch(templates, true), callback);
  }

  async #send(
    email: Message | TemplatedMessage,
    templated = false,
  ): Promise<MessageSendingResponse> {
    const input = toInput(email, this.#settings, '', templated);
    let report: SendReport;
    try {
      report = await this.relay.send(input);
    } catch (error) {
      throw toPostmarkSdkError(error);
    }
    if (report.status === 'none') throw noneSent(report);
    return toResponse(email, report);
  }

  async #batch(
    emails: Array<Message | TemplatedMessage>,
    templated = false,
  ): Promise<MessageSendingResponse[]> {
    if (!Array.isArray(emails)) throw refuse('emails', 'give an array of Postmark Messages');
    const out: MessageSendingResponse[] = new Array<MessageSendingResponse>(emails.length);
    const inputs: Array<{ index: number; input: MessageInput }> = [];
    emails.forEach((email, index) => {
      try {
        inputs.push({ index, input: toInput(email, this.#settings, `[${index}].`, templated) });
      } catch (error) {
        out[index] = failedElement(email, error as ClientError);
      }
    });
    let results: BatchResult[] = [];
    if (inputs.length > 0) {
      try {
        results = await this.relay.sendBatch(inputs.map((i) => i.input));
      } catch (error) {
        throw toPostmarkSdkError(error);
      }
    }
    // Postmark fails the whole call (an HTTP error) for the account, not for one message: when
    // every message failed for the same provider-side reason, the SDK's error is thrown as it would be.
    const failures = results.filter((r): r is Extract<BatchResult, { ok: false }> => !r.ok);
    const [first] = failures;
    if (
      first &&
      failures.length === emails.length &&
      first.error.providerFault &&
      failures.every((f) => f.error.kind === first.error.kind)
    ) {
      throw toPostmarkSdkError(first.error, first.messageId);
    }
    results.forEach((result, k) => {
      const { index } = inputs[k] as { index: number };
      const email = emails[index] as Message | TemplatedMessage;
      if (!result.ok) out[index] = failedElement(email, toPostmarkSdkError(result.error));
      else if (result.report.status === 'none')
        out[index] = failedElement(email, noneSent(result.report));
      else out[index] = toResponse(email, result.report);
    });
    return out;
  }
}

export { Errors };
