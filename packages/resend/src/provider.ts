import { createHash } from 'node:crypto';
import { RelayError, type Message, type Provider } from '@relaykit/core';
import {
  acceptedByAll,
  recipientsOf,
  runAttempt,
  toRelayError,
  toTransportError,
  transportError,
  type AccountLimits,
  type RecipientRejection,
  type SendContext,
  type SendResult,
} from '@relaykit/core/adapter';
import { Resend, type CreateBatchOptions, type CreateEmailOptions } from 'resend';
import { batchable, deriveIdempotencyKey, splitByRecipient, toResendEmail } from './convert.ts';
import { batchElementError, mapResendError } from './errors.ts';
import { resolveOptions, type ResendOptions } from './options.ts';
import { resendWebhook } from './webhook.ts';
import { resendBounceHints } from './bounce-hints.ts';

/** Resend schedules up to 30 days ahead (its changelog, "Extended Email Scheduling"). */
const schedulingHorizonMs = 30 * 24 * 60 * 60 * 1000;

/** Resend's batch endpoint takes at most 100 emails. */
const maxBatch = 100;

const service = 'Resend';

/**
 * The SDK's client with its one request function replaced by one that keeps what the SDK drops:
 * `fetchRequest` (resend/src/resend.ts) turns every fetch failure, and a success body it cannot
 * parse, into the same "Unable to fetch data" error, so a refused connection, a DNS or TLS failure,
 * a reset and an unreadable answer would be indistinguishable. Here each is a RelayError from core's
 * transport table; answers the SDK understands are returned exactly as the SDK would return them.
 */
class ObservedResend extends Resend {
  constructor(
    key: string,
    options: { baseUrl?: string },
    private readonly relayName: string,
  ) {
    super(key, options);
  }

  override async fetchRequest<T>(path: string, options: RequestInit = {}) {
    const at = { provider: this.relayName, service };
    let response: globalThis.Response;
    let text: string;
    try {
      response = await fetch(`${this.baseUrl}${path}`, options);
      text = await response.text();
    } catch (error) {
      throw toTransportError(error, at) ?? toRelayError(error, this.relayName);
    }
    const headers = Object.fromEntries(response.headers.entries());
    if (!response.ok) {
      try {
        return { data: null, error: JSON.parse(text) as unknown, headers } as never;
      } catch {
        return {
          data: null,
          error: {
            name: 'application_error',
            statusCode: response.status,
            message: response.statusText || 'unreadable error body',
          },
          headers,
        } as never;
      }
    }
    try {
      return { data: JSON.parse(text) as T, error: null, headers } as never;
    } catch (error) {
      throw transportError('malformed', { ...at, detail: 'invalid JSON', cause: error });
    }
  }
}

type Outcome = { ok: true; id: string } | { ok: false; error: RelayError };

/**
 * The Resend adapter: sends through the official `resend` SDK and takes Resend's Svix-signed
 * webhooks. The SDK has no retries of its own, so relaykit's retry is the only one; every attempt
 * of a message carries the same Idempotency-Key (the message's key).
 *
 * @example
 * const provider = resend({ apiKey: process.env.RESEND_API_KEY, webhook: { secret: process.env.RESEND_WEBHOOK_SECRET } });
 * const relay = createRelay({ providers: [provider] });
 */
export function resend(options: ResendOptions): Provider {
  const o = resolveOptions(options);
  const name = o.name;
  // The SDK (≥ 6.12.4) takes the base URL per instance, so process.env is never touched.
  const client =
    o.client ??
    new ObservedResend(
      o.apiKey as string,
      o.baseUrl === undefined ? {} : { baseUrl: o.baseUrl },
      name,
    );
  const attempt = { provider: name, service, timeoutMs: o.timeoutMs };
  const convert = { messageIdTag: o.messageIdTag };
  let limits: AccountLimits | undefined;

  /** Remembers the team's request rate from `ratelimit-limit` / `ratelimit-policy` (e.g. `2;w=1`). */
  const note = (headers: Record<string, string> | null | undefined) => {
    if (!headers) return;
    const limit = Number(headers['ratelimit-limit']);
    if (!Number.isFinite(limit) || limit <= 0) return;
    const window = Number(
      /(?:^|;)\s*w=(\d+(?:\.\d+)?)/u.exec(headers['ratelimit-policy'] ?? '')?.[1] ?? 1,
    );
    limits = { maxSendRate: limit / (window > 0 ? window : 1) };
  };

  /**
   * Runs one SDK call as one attempt (its own signal, ended at timeoutMs or when the caller aborts);
   * anything it throws (it should resolve with `{ error }`) becomes a RelayError.
   */
  async function call<T>(
    run: (
      signal: AbortSignal,
    ) => Promise<{ data: T | null; error: unknown; headers: Record<string, string> | null }>,
    signal: AbortSignal | undefined,
    template?: string,
  ): Promise<T> {
    let result: Awaited<ReturnType<typeof run>>;
    let own: AbortSignal | undefined;
    try {
      result = await runAttempt(signal ? { ...attempt, signal } : attempt, (s) => {
        own = s;
        return run(s);
      });
    } catch (error) {
      throw toTransportError(error, attempt) ?? toRelayError(error, name);
    }
    note(result.headers);
    if (result.error)
      throw mapResendError(result.error, {
        provider: name,
        headers: result.headers,
        ...(own ? { signal: own } : {}),
        ...(template === undefined ? {} : { template }),
      });
    if (result.data === null || result.data === undefined) {
      throw transportError('malformed', { ...attempt, detail: 'no data' });
    }
    return result.data;
  }

  async function sendEmail(
    email: CreateEmailOptions,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const data = await call(
      (s) => client.emails.send(email, { idempotencyKey, signal: s }),
      signal,
      email.template?.id,
    );
    if (typeof data.id !== 'string' || data.id === '') {
      throw transportError('malformed', { ...attempt, detail: 'no email id' });
    }
    return data.id;
  }

  /**
   * One POST /emails/batch in permissive validation, so each element gets its own result: an id,
   * or the validation error Resend gave for its index. A failure of the whole call is every
   * element's error.
   */
  async function sendChunk(
    emails: CreateBatchOptions,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
  ): Promise<Outcome[]> {
    let data: {
      data?: Array<{ id?: unknown }>;
      errors?: Array<{ index?: unknown; message?: unknown }>;
    };
    try {
      data = await call(
        (s) =>
          client.batch.send(emails, { idempotencyKey, batchValidation: 'permissive', signal: s }),
        signal,
      );
    } catch (error) {
      const relayError = toRelayError(error, name);
      return emails.map(() => ({ ok: false, error: relayError }));
    }
    const failed = new Map<number, string>();
    for (const e of data.errors ?? []) {
      if (typeof e.index === 'number')
        failed.set(e.index, typeof e.message === 'string' ? e.message : 'invalid email');
    }
    const ids = (data.data ?? []).map((d) => d.id);
    let next = 0;
    return emails.map((_, index): Outcome => {
      const message = failed.get(index);
      if (message !== undefined)
        return {
          ok: false,
          error: batchElementError({ index, message }, name, emails[index]?.template?.id),
        };
      const id = ids[next++];
      if (typeof id === 'string' && id !== '') return { ok: true, id };
      return {
        ok: false,
        error: new RelayError({
          kind: 'transient',
          provider: name,
          message: `Resend's batch answer has no id for element ${index}; retry later`,
        }),
      };
    });
  }

  async function sendBatched(
    emails: CreateEmailOptions[],
    keyOf: (chunk: number) => string,
    signal: AbortSignal | undefined,
  ): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let start = 0, chunk = 0; start < emails.length; start += maxBatch, chunk += 1) {
      outcomes.push(
        ...(await sendChunk(
          emails.slice(start, start + maxBatch) as CreateBatchOptions,
          keyOf(chunk),
          signal,
        )),
      );
    }
    return outcomes;
  }

  /**
   * One copy per recipient: through the batch endpoint when the message has no attachments,
   * otherwise one send each. A retryable failure of any copy fails the whole message, so the
   * relay retries it; the copies already accepted are not sent twice, because each copy's
   * Idempotency-Key is derived from the message's key.
   */
  async function sendSplit(message: Message, context: SendContext): Promise<SendResult> {
    const copies = splitByRecipient(message);
    let outcomes: Outcome[];
    if (batchable(message)) {
      outcomes = await sendBatched(
        copies.map((c) => toResendEmail(c.message, convert)),
        (chunk) => deriveIdempotencyKey(context.idempotencyKey, 'split', String(chunk)),
        context.signal,
      );
    } else {
      outcomes = [];
      for (const copy of copies) {
        try {
          outcomes.push({
            ok: true,
            id: await sendEmail(
              toResendEmail(copy.message, convert),
              deriveIdempotencyKey(context.idempotencyKey, copy.recipient),
              context.signal,
            ),
          });
        } catch (error) {
          const relayError = toRelayError(error, name);
          outcomes.push({ ok: false, error: relayError });
          if (relayError.retryable || relayError.providerFault) break;
        }
      }
    }
    const retry = outcomes.find(
      (r): r is Extract<Outcome, { ok: false }> =>
        !r.ok && (r.error.retryable || r.error.providerFault),
    );
    if (retry) throw retry.error;
    const ids: Record<string, string> = {};
    const accepted: string[] = [];
    const rejected: RecipientRejection[] = [];
    copies.forEach((copy, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) {
        ids[copy.recipient] = outcome.id;
        accepted.push(copy.recipient);
      } else {
        rejected.push({ recipient: copy.recipient, error: outcome.error });
      }
    });
    const first = accepted[0];
    if (first === undefined) throw (rejected[0] as RecipientRejection).error;
    return { providerMessageId: ids[first] as string, accepted, rejected, raw: { ids } };
  }

  async function send(message: Message, context: SendContext): Promise<SendResult> {
    const recipients = recipientsOf(message);
    if (recipients.length > provider.capabilities.maxRecipients) {
      throw new RelayError({
        kind: 'invalid',
        provider: name,
        field: 'to',
        message: `to: Resend takes at most ${provider.capabilities.maxRecipients} recipients per ${o.splitRecipients ? 'split message' : 'message (its to field takes 50)'}, this one has ${recipients.length}; split it`,
      });
    }
    if (o.splitRecipients && recipients.length > 1) return sendSplit(message, context);
    const id = await sendEmail(
      toResendEmail(message, convert),
      deriveIdempotencyKey(context.idempotencyKey),
      context.signal,
    );
    return { providerMessageId: id, accepted: recipients, rejected: [] };
  }

  async function sendBatch(
    messages: readonly Message[],
    context: Omit<SendContext, 'idempotencyKey'>,
  ): Promise<Array<SendResult | RelayError>> {
    const results: Array<SendResult | RelayError> = new Array(messages.length);
    // Attachments are not allowed on the batch endpoint, and a split message is a batch of its own.
    const single = (m: Message) =>
      !batchable(m) || (o.splitRecipients && recipientsOf(m).length > 1);
    // A message that cannot be converted (a header-bound value with a control character, too
    // many tags) fails alone; the rest still go out.
    const grouped: Array<{ m: Message; i: number; email: CreateEmailOptions }> = [];
    for (const [i, m] of messages.entries()) {
      if (single(m)) continue;
      try {
        grouped.push({ m, i, email: toResendEmail(m, convert) });
      } catch (error) {
        results[i] = toRelayError(error, name);
      }
    }
    for (let start = 0; start < grouped.length; start += maxBatch) {
      const chunk = grouped.slice(start, start + maxBatch);
      // The same messages give the same key on a retry, so Resend replays instead of sending twice.
      const key = `batch:${createHash('sha256')
        .update(chunk.map(({ m }) => m.idempotencyKey).join('\n'))
        .digest('hex')}`;
      const outcomes = await sendChunk(
        chunk.map(({ email }) => email) as CreateBatchOptions,
        key,
        context.signal,
      );
      chunk.forEach(({ m, i }, k) => {
        const outcome = outcomes[k] as Outcome;
        results[i] = outcome.ok ? acceptedByAll(m, outcome.id) : outcome.error;
      });
    }
    for (const [i, m] of messages.entries()) {
      if (!single(m)) continue;
      try {
        results[i] = await send(m, { ...context, idempotencyKey: m.idempotencyKey });
      } catch (error) {
        results[i] = toRelayError(error, name);
      }
    }
    return results;
  }

  const provider: Provider = {
    name,
    type: 'resend',
    bounceHints: resendBounceHints,
    capabilities: {
      maxBatchSize: maxBatch,
      idempotency: true,
      scheduling: true,
      schedulingHorizonMs,
      inlineAttachments: true,
      // Resend's limit is 40 MB per email, attachments included.
      maxMessageBytes: 40 * 1024 * 1024,
      // `to` takes at most 50 addresses; split copies carry one each.
      maxRecipients: o.splitRecipients ? 1000 : 50,
      // `template: { id, variables }` on /emails and /emails/batch (resend 6.x).
      templates: true,
      // The team limit is 2 requests/s in the recorded headers (ratelimit-limit: 2; the newest
      // docs say 5, https://resend.com/docs/api-reference/rate-limit), so the lower is the start.
      accountRate: { rate: 2, burst: 2 },
    },
    send,
    sendBatch,
    async accountLimits() {
      return limits;
    },
  };
  if (o.webhooks) {
    return {
      ...provider,
      webhook: resendWebhook({
        provider: name,
        keys: o.webhookKeys,
        toleranceSeconds: o.webhookToleranceSeconds,
        skipVerification: o.skipVerification,
        messageIdTag: o.messageIdTag,
      }),
    };
  }
  return provider;
}
