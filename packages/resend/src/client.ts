/**
 * `@relaykit/resend/client`: the resend SDK's sending surface (`resend.emails.send`,
 * `resend.batch.send`) backed by a relay, so moving an app onto relaykit is one changed import:
 *
 *   - import { Resend } from 'resend';
 *   + import { Resend } from '@relaykit/resend/client';
 *
 * Inputs are the SDK's own `CreateEmailOptions`, results its `{ data, error, headers }` (failures
 * are resolved as `{ data: null, error: { name, message, statusCode } }`, never thrown, as the SDK
 * does), with relaykit's detail in `error.relaykit`. Everything that is not sending (domains,
 * contacts, templates management, webhooks) stays with the SDK's own Resend client.
 */
import { normalizeMessage, RelayError } from '@relaykit/core';
import type { MessageInput, Relay, SendReport } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import type { ClientRelayOptions, RelaykitDetails } from '@relaykit/core/adapter';
import type {
  CreateBatchOptions,
  CreateBatchRequestOptions,
  CreateBatchResponse,
  CreateEmailOptions,
  CreateEmailRequestOptions,
  CreateEmailResponse,
  ErrorResponse,
} from 'resend';
import type { ResendOptions as AdapterOptions } from './options.ts';
import { resend } from './provider.ts';

export type { ClientRelayOptions, RelaykitDetails };

/** The `resend()` adapter options a client-built relay's provider takes (not the credentials). */
export type ClientProviderOptions = kit.DropInProviderOptions<AdapterOptions, 'apiKey' | 'baseUrl'>;

/** The SDK's `ResendOptions`, plus where relaykit sends from. */
export interface ResendClientOptions {
  /** resend SDK: the API origin. @default process.env.RESEND_BASE_URL or 'https://api.resend.com' */
  baseUrl?: string;
  /** resend SDK: the User-Agent. Refused: the relay's resend adapter makes the requests. */
  userAgent?: string;
  /**
   * An existing relay (so several clients share stores and limits), or options for the relay this
   * client builds: Resend first, then `providers`, memory stores, default throttle and suppression.
   */
  relay?: Relay | ClientRelayOptions;
  /** Options of the `resend()` provider this client builds (webhook, timeoutMs, ...). */
  resend?: ClientProviderOptions;
}

/** Resend's error object as this client resolves it, with relaykit's detail. */
export type ClientErrorResponse = ErrorResponse & { relaykit: RelaykitDetails };

type ErrorName = ErrorResponse['name'];

const errorNames = new Set<string>([
  'invalid_idempotency_key',
  'validation_error',
  'missing_api_key',
  'restricted_api_key',
  'invalid_api_key',
  'not_found',
  'method_not_allowed',
  'invalid_idempotent_request',
  'concurrent_idempotent_requests',
  'invalid_attachment',
  'invalid_from_address',
  'invalid_access',
  'invalid_parameter',
  'invalid_region',
  'missing_required_field',
  'monthly_quota_exceeded',
  'daily_quota_exceeded',
  'rate_limit_exceeded',
  'security_error',
  'application_error',
  'internal_server_error',
]);

/**
 * A relaykit failure → the error object the resend SDK resolves with
 * (https://resend.com/docs/api-reference/errors). Resend's own answer, when it gave one, is
 * passed on as it came.
 */
export function toResendSdkError(error: unknown, messageId?: string): ClientErrorResponse {
  const failure = client.failure(error, messageId);
  const { error: relayError, details: relaykit } = failure;
  const cause = failure.cause as Partial<ErrorResponse> | undefined;
  if (
    typeof cause === 'object' &&
    cause !== null &&
    typeof cause.name === 'string' &&
    errorNames.has(cause.name) &&
    typeof cause.message === 'string' &&
    'statusCode' in cause
  ) {
    return {
      name: cause.name,
      message: cause.message,
      statusCode: cause.statusCode ?? null,
      relaykit,
    };
  }
  const of = (name: ErrorName, statusCode: number | null): ClientErrorResponse => ({
    name,
    message: relayError.message,
    statusCode,
    relaykit,
  });
  switch (relayError.kind) {
    case 'auth':
      return of('invalid_api_key', 403);
    case 'rate-limited':
      return of('rate_limit_exceeded', 429);
    case 'provider-unavailable':
      return of('application_error', 503);
    case 'transient':
      // What the SDK resolves with when no answer came (statusCode null).
      return of('application_error', relayError.status ?? null);
    case 'suppressed':
    case 'recipient-rejected':
    case 'invalid':
    case 'message-rejected':
      return of('validation_error', 422);
    case 'config':
      return of('application_error', null);
    case 'template':
      // Resend answers an unknown template id 404 not_found (https://resend.com/docs/api-reference/errors).
      return of('not_found', 404);
  }
}

/**
 * No recipient was sent (all suppressed or refused). Resend itself has no synchronous answer for a
 * suppressed recipient (it accepts the email and reports `email.suppressed` later,
 * https://resend.com/docs/dashboard/emails/email-suppressions); relaykit sends nothing, so there
 * is no id to give, and the closest answer Resend has for a recipient it will not take is a 422
 * validation_error.
 */
function noneSent(report: SendReport): ClientErrorResponse {
  const relaykit = client.noneSent(report);
  return { name: 'validation_error', message: relaykit.error.message, statusCode: 422, relaykit };
}

function refusal(field: string, why: string): ClientErrorResponse {
  const relaykit = client.refusal(field, why);
  return { name: 'validation_error', message: relaykit.error.message, statusCode: 422, relaykit };
}

class Refused extends Error {
  constructor(readonly response: ClientErrorResponse) {
    super(response.message);
  }
}

const known = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'html',
  'text',
  'headers',
  'tags',
  'attachments',
  'scheduledAt',
  'template',
]);

/** Resend's `CreateEmailOptions` → relaykit's message; refuses what relaykit cannot carry. */
function toInput(email: CreateEmailOptions, at = ''): MessageInput {
  if (typeof email !== 'object' || email === null) {
    throw new Refused(refusal(`${at}email`, 'give the email options object'));
  }
  const fields = email as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (known.has(key) || fields[key] === undefined || fields[key] === null) continue;
    const why =
      key === 'react'
        ? 'relaykit does not render React; render it to html first (await render(<Email />) from @react-email/render)'
        : 'relaykit does not carry this field; remove it';
    throw new Refused(refusal(`${at}${key}`, why));
  }
  const input = { from: fields['from'] } as MessageInput;
  if (fields['subject'] !== undefined) input.subject = fields['subject'] as string;
  const template = fields['template'] as
    { id?: unknown; variables?: Record<string, unknown> } | undefined;
  if (template !== undefined) {
    // Resend's stored template by id or alias, with its variables
    // (https://resend.com/docs/api-reference/emails/send-email, `template`).
    if (typeof template !== 'object' || typeof template.id !== 'string') {
      throw new Refused(refusal(`${at}template.id`, 'give the template id or alias'));
    }
    input.template = {
      ids: { resend: template.id },
      data: { ...(template.variables ?? {}) } as TemplateData,
    };
  }
  if (email.to !== undefined) input.to = email.to;
  if (email.cc !== undefined) input.cc = email.cc;
  if (email.bcc !== undefined) input.bcc = email.bcc;
  if (email.replyTo !== undefined) input.replyTo = email.replyTo;
  if (typeof fields['html'] === 'string') input.html = fields['html'];
  if (typeof fields['text'] === 'string') input.text = fields['text'];
  if (email.headers !== undefined) input.headers = { ...email.headers };
  if (email.scheduledAt !== undefined) input.sendAt = email.scheduledAt;
  if (email.tags !== undefined) {
    // The resend adapter sends a tag `t` as { name: t, value: t } and metadata `k: v` as
    // { name: k, value: v } (convert.ts), so Resend receives the tags it was given.
    const tags: string[] = [];
    const metadata: Record<string, string> = {};
    for (const tag of email.tags) {
      if (tag.name === tag.value) tags.push(tag.name);
      else metadata[tag.name] = tag.value;
    }
    if (tags.length > 0) input.tags = tags;
    if (Object.keys(metadata).length > 0) input.metadata = metadata;
  }
  const attachments = (email as { attachments?: CreateEmailOptions['attachments'] }).attachments;
  if (attachments !== undefined) {
    input.attachments = attachments.map((a, i) => {
      if (a.path !== undefined) {
        throw new Refused(
          refusal(
            `${at}attachments[${i}].path`,
            'relaykit does not fetch remote files; give content',
          ),
        );
      }
      const content = a.content;
      return {
        ...(typeof a.filename === 'string' ? { filename: a.filename } : {}),
        ...(typeof content === 'string'
          ? { content, encoding: 'base64' as const }
          : content instanceof ArrayBuffer
            ? { content }
            : content !== undefined
              ? { content: new Uint8Array(content) }
              : {}),
        ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
        ...(a.contentId === undefined ? {} : { cid: a.contentId }),
      };
    });
  }
  return input;
}

type TemplateData = NonNullable<MessageInput['template']>['data'];

type Options = CreateEmailRequestOptions | CreateBatchRequestOptions | undefined;

/** Request options relaykit honours: signal, idempotencyKey (and batchValidation for a batch). */
function checkRequestOptions(options: Options, batch: boolean): ClientErrorResponse | undefined {
  if (options === undefined) return undefined;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'signal' || key === 'idempotencyKey') continue;
    if (batch && key === 'batchValidation') continue;
    return refusal(
      key,
      'relaykit cannot honour this request option (the relay makes the requests); remove it',
    );
  }
  return undefined;
}

const failed = (error: ClientErrorResponse) => ({ data: null, error, headers: null });

class Emails {
  constructor(private readonly client: Resend) {}

  /** POST /emails through the relay: `{ data: { id }, error: null }` or `{ data: null, error }`. */
  async send(
    payload: CreateEmailOptions,
    requestOptions?: CreateEmailRequestOptions,
  ): Promise<CreateEmailResponse> {
    const refused = checkRequestOptions(requestOptions, false);
    if (refused) return failed(refused);
    let input: MessageInput;
    try {
      input = toInput(payload);
    } catch (error) {
      if (error instanceof Refused) return failed(error.response);
      throw error;
    }
    if (requestOptions?.idempotencyKey !== undefined) {
      input.idempotencyKey = requestOptions.idempotencyKey;
    }
    let report: SendReport;
    try {
      report = await this.client.relay.send(
        input,
        requestOptions?.signal ? { signal: requestOptions.signal } : {},
      );
    } catch (error) {
      return failed(toResendSdkError(error));
    }
    if (report.status === 'none') return failed(noneSent(report));
    // A message the outbox holds for its scheduledAt has no Resend id yet: relaykit's id stands in.
    return {
      data: { id: report.providerMessageId ?? report.messageId },
      error: null,
      headers: null,
    };
  }

  create(
    payload: CreateEmailOptions,
    requestOptions?: CreateEmailRequestOptions,
  ): Promise<CreateEmailResponse> {
    return this.send(payload, requestOptions);
  }
}

class Batch {
  constructor(private readonly client: Resend) {}

  /**
   * POST /emails/batch through the relay. 'strict' (the default) refuses the whole batch when a
   * message is invalid, before anything is sent; 'permissive' sends the rest and lists the failed
   * ones in `errors`, as Resend does (https://resend.com/docs/api-reference/emails/send-batch-emails).
   */
  async send<O extends CreateBatchRequestOptions>(
    payload: CreateBatchOptions,
    requestOptions?: O,
  ): Promise<CreateBatchResponse<O>> {
    const out = (value: unknown) => value as CreateBatchResponse<O>;
    const refused = checkRequestOptions(requestOptions, true);
    if (refused) return out(failed(refused));
    if (!Array.isArray(payload)) return out(failed(refusal('payload', 'give an array of emails')));
    const permissive = requestOptions?.batchValidation === 'permissive';
    const errors: Array<{ index: number; message: string }> = [];
    const inputs: Array<{ index: number; input: MessageInput }> = [];
    for (const [index, email] of payload.entries()) {
      try {
        const input = toInput(email as CreateEmailOptions, `[${index}].`);
        await normalizeMessage(input); // Validates now, so strict mode refuses before sending anything.
        if (requestOptions?.idempotencyKey !== undefined) {
          input.idempotencyKey = `${requestOptions.idempotencyKey}/${index}`;
        }
        inputs.push({ index, input });
      } catch (error) {
        const response = error instanceof Refused ? error.response : toResendSdkError(error);
        if (!permissive) return out(failed(response));
        errors.push({ index, message: response.message });
      }
    }
    const ids: Array<{ id: string }> = [];
    if (inputs.length > 0) {
      const results = await this.client.relay.sendBatch(
        inputs.map((i) => i.input),
        requestOptions?.signal ? { signal: requestOptions.signal } : {},
      );
      // Nothing went out for one account-side reason: the answer Resend gives the whole call.
      const whole = client.wholeBatchFailure(results);
      if (whole) return out(failed(toResendSdkError(whole.error, whole.messageId)));
      results.forEach((result, k) => {
        const { index } = inputs[k] as { index: number };
        if (!result.ok) errors.push({ index, message: toResendSdkError(result.error).message });
        else if (result.report.status === 'none') {
          errors.push({ index, message: noneSent(result.report).message });
        } else ids.push({ id: result.report.providerMessageId ?? result.report.messageId });
      });
    }
    errors.sort((a, b) => a.index - b.index);
    // Strict mode reports failures after sending too (relaykit cannot take back what was sent).
    return out({
      data: { data: ids, ...(permissive || errors.length > 0 ? { errors } : {}) },
      error: null,
      headers: null,
    });
  }

  create<O extends CreateBatchRequestOptions>(
    payload: CreateBatchOptions,
    requestOptions?: O,
  ): Promise<CreateBatchResponse<O>> {
    return this.send(payload, requestOptions);
  }
}

const client = kit.dropInClient({
  provider: 'resend',
  caller: 'Resend',
  honoured: ['baseUrl', 'relay', 'resend'],
  elsewhere: () => ` (the relay's resend adapter makes the requests)`,
});

/**
 * The resend SDK's client for sending, backed by a relay: retry with backoff, throttling,
 * suppression, failover, events. Built from the same arguments as the SDK's.
 *
 * @example
 * import { Resend } from '@relaykit/resend/client';
 * const resend = new Resend('re_xxxx...xxxxxx');
 * const { data, error } = await resend.emails.send({ from: 'you@example.com', to: 'user@gmail.com', subject: 'hello world', text: 'it works!' });
 */
export class Resend {
  /** The relay that sends (built by this client unless one was given). */
  readonly relay: Relay;
  readonly emails: Emails;
  readonly batch: Batch;

  constructor(key?: string, options: ResendClientOptions = {}) {
    const given = options.relay;
    const existing = client.accept(options, given, options.resend);
    if (existing) {
      this.relay = existing;
    } else {
      // As the SDK: the key from the argument, else RESEND_API_KEY (resend dist, Resend constructor).
      const apiKey = key ?? process.env['RESEND_API_KEY'];
      if (!apiKey) {
        throw new RelayError({
          kind: 'config',
          provider: 'resend',
          message:
            'Resend: missing API key; pass it to the constructor (new Resend("re_123")) or set RESEND_API_KEY',
        });
      }
      const baseUrl = options.baseUrl ?? process.env['RESEND_BASE_URL'];
      const provider = resend({
        webhook: false,
        ...options.resend,
        apiKey,
        ...(baseUrl === undefined ? {} : { baseUrl }),
      });
      this.relay = client.build(given, provider);
    }
    this.emails = new Emails(this);
    this.batch = new Batch(this);
  }
}
