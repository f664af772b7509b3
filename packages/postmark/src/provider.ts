import { RelayError, type Message, type Provider } from '@relaykit/core';
import {
  acceptedByAll,
  runAttempt,
  templateIdFor,
  transportError,
  type SendResult,
} from '@relaykit/core/adapter';
import {
  ServerClient,
  type Message as SdkMessage,
  type TemplatedMessage as SdkTemplatedMessage,
} from 'postmark';
import {
  maxRecipients,
  recipientIndex,
  toPostmarkMessage,
  toPostmarkTemplated,
  type ConvertSettings,
  type PostmarkMessage,
  type PostmarkTemplatedMessage,
} from './convert.ts';
import { fromErrorCode, toPostmarkRelayError, type TransportInfo } from './errors.ts';
import {
  resolveOptions,
  type PostmarkClient,
  type PostmarkOptions,
  type ResolvedOptions,
} from './options.ts';
import { postmarkWebhook } from './webhook.ts';
import { postmarkBounceHints } from './bounce-hints.ts';

/** Postmark's batch endpoint takes at most 500 messages per call. */
export const maxBatchSize = 500;

/**
 * Postmark's 10 MB covers the whole request, attachments base64-encoded (4/3 larger); relaykit
 * counts raw bytes, so the honest ceiling is three quarters of it.
 */
const maxMessageBytes = Math.floor((10 * 1024 * 1024 * 3) / 4);

interface CallScope extends TransportInfo {
  signal: AbortSignal;
}

type SendResponse = { MessageID?: string; ErrorCode?: number; Message?: string; To?: string };

/**
 * Hands a call's scope to the fetch the SDK makes for it. The SDK (postmark 5.x,
 * dist/client/HttpClient.js `FetchHttpClient.httpRequest`) calls fetch synchronously inside
 * `sendEmail` / `sendEmailBatch`, before its first await, so the scope is set just around that
 * call and taken by the fetch at once: no AsyncLocalStorage, whose promise hooks cost every
 * promise in the process (about 30 µs of CPU per send here, test/bench/adapter-overhead.bench.ts).
 */
interface ScopeHandoff {
  next: CallScope | undefined;
}

function buildClient(options: ResolvedOptions, handoff: ScopeHandoff): PostmarkClient {
  // The SDK (5.x) takes a fetch: through it each request gets the attempt's abort signal, and a
  // failure keeps what the SDK would drop (fetch's cause, the 429's headers).
  const scopedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const scope = handoff.next;
    handoff.next = undefined;
    // The attempt's own signal (see runAttempt) replaces the SDK's: it already carries the timeout,
    // and AbortSignal.any would tie a new signal to the caller's for as long as either lives.
    const signal = scope?.signal ?? init?.signal;
    try {
      const response = await fetch(input, { ...init, ...(signal ? { signal } : {}) });
      if (scope && !response.ok) scope.headers = response.headers;
      return response;
    } catch (error) {
      if (scope) scope.error = error;
      throw error;
    }
  };
  const url = options.baseUrl;
  return new ServerClient(options.serverToken as string, {
    ...(url
      ? {
          useHttps: url.protocol === 'https:',
          requestHost: `${url.host}${url.pathname.replace(/\/+$/u, '')}`,
        }
      : {}),
    // The SDK's own timeout is a backstop a little past relaykit's, which ends the attempt first.
    timeout: Math.ceil(options.timeoutMs / 1000) + 1,
    fetch: scopedFetch,
  });
}

/**
 * The Postmark adapter: sends through the official SDK's ServerClient (POST /email, /email/batch)
 * and takes Postmark's webhooks (basic auth and/or a shared-secret header).
 *
 * @example
 * const relay = createRelay({
 *   providers: [postmark({ serverToken: process.env.POSTMARK_TOKEN, webhook: { basicAuth: { username: 'pm', password: process.env.PM_HOOK_PASSWORD } } })],
 * });
 */
export function postmark(options: PostmarkOptions): Provider {
  const resolved = resolveOptions(options);
  const name = resolved.name;
  const handoff: ScopeHandoff = { next: undefined };
  const client = resolved.client ?? buildClient(resolved, handoff);
  const settings: ConvertSettings = {
    provider: name,
    messageStream: resolved.messageStream,
    messageStreams: resolved.messageStreams,
    ...(resolved.trackOpens === undefined ? {} : { trackOpens: resolved.trackOpens }),
    ...(resolved.trackLinks === undefined ? {} : { trackLinks: resolved.trackLinks }),
  };

  const attempt = { provider: name, service: 'Postmark', timeoutMs: resolved.timeoutMs };

  /** One request as one attempt: its own signal, ended at timeoutMs or when the caller aborts. */
  async function call<T>(
    signal: AbortSignal | undefined,
    run: () => Promise<T>,
  ): Promise<{ value: T } | { error: unknown; scope: TransportInfo }> {
    const scope: TransportInfo = {};
    try {
      return {
        value: await runAttempt(signal ? { ...attempt, signal } : attempt, (own) => {
          handoff.next = Object.assign(scope, { signal: own });
          try {
            return run();
          } finally {
            handoff.next = undefined;
          }
        }),
      };
    } catch (error) {
      return { error, scope };
    }
  }

  function result(message: Message, response: SendResponse): SendResult {
    if (typeof response !== 'object' || response === null) {
      throw transportError('malformed', { ...attempt, detail: 'not a JSON object' });
    }
    if (typeof response.MessageID !== 'string' || response.MessageID === '') {
      throw transportError('malformed', { ...attempt, detail: 'no MessageID' });
    }
    return acceptedByAll(message, response.MessageID, response);
  }

  /** The message as Postmark's request body: /email, or /email/withTemplate for a template. */
  function convert(message: Message): PostmarkMessage | PostmarkTemplatedMessage {
    const template = templateIdFor(message, 'postmark');
    if (message.template === undefined || template === undefined)
      return toPostmarkMessage(message, settings);
    if (!client.sendEmailWithTemplate || !client.sendEmailBatchWithTemplates) {
      throw new RelayError({
        kind: 'config',
        provider: name,
        message:
          'the Postmark client given has no sendEmailWithTemplate/sendEmailBatchWithTemplates; pass a postmark ServerClient to send templates',
      });
    }
    return toPostmarkTemplated(message, settings, template);
  }

  const isTemplated = (
    input: PostmarkMessage | PostmarkTemplatedMessage,
  ): input is PostmarkTemplatedMessage => 'TemplateModel' in input;

  async function send(message: Message, context: { signal?: AbortSignal }): Promise<SendResult> {
    const input = convert(message);
    // What an error is mapped with, built only when there is one (most sends succeed).
    const mapping = () => {
      const template = templateIdFor(message, 'postmark');
      return {
        provider: name,
        recipients: recipientIndex(message),
        ...(message.template && template !== undefined ? { template } : {}),
      };
    };
    const outcome = await call(context.signal, () =>
      isTemplated(input)
        ? (client.sendEmailWithTemplate?.(
            input as unknown as SdkTemplatedMessage,
          ) as Promise<unknown>)
        : client.sendEmail(input as unknown as SdkMessage),
    );
    if ('error' in outcome) {
      throw toPostmarkRelayError(outcome.error, { ...mapping(), transport: outcome.scope });
    }
    const response = outcome.value as SendResponse;
    if (typeof response.ErrorCode === 'number' && response.ErrorCode !== 0) {
      throw fromErrorCode(response.ErrorCode, response.Message ?? '', mapping());
    }
    return result(message, response);
  }

  async function sendChunk(
    messages: readonly Message[],
    signal: AbortSignal | undefined,
  ): Promise<Array<SendResult | RelayError>> {
    // A message Postmark cannot carry fails alone; the rest still go in one call.
    const inputs: Array<PostmarkMessage | PostmarkTemplatedMessage | RelayError> = messages.map(
      (m) => {
        try {
          return convert(m);
        } catch (error) {
          return toPostmarkRelayError(error, { provider: name });
        }
      },
    );
    const out: Array<SendResult | RelayError> = inputs.map((input) =>
      input instanceof RelayError ? input : (undefined as unknown as SendResult),
    );
    // Content goes to /email/batch, templates to /email/batchWithTemplates (500 each).
    const plain = inputs.flatMap((input, i) =>
      input instanceof RelayError || isTemplated(input) ? [] : [{ input, index: i }],
    );
    const templated = inputs.flatMap((input, i) =>
      input instanceof RelayError || !isTemplated(input) ? [] : [{ input, index: i }],
    );
    await sendGroup(messages, plain, false, out, signal);
    await sendGroup(messages, templated, true, out, signal);
    return out;
  }

  async function sendGroup(
    messages: readonly Message[],
    sendable: Array<{ input: PostmarkMessage | PostmarkTemplatedMessage; index: number }>,
    templates: boolean,
    out: Array<SendResult | RelayError>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (sendable.length === 0) return;
    const mapping = (message: Message) => {
      const template = templateIdFor(message, 'postmark');
      return {
        provider: name,
        recipients: recipientIndex(message),
        ...(templates && template !== undefined ? { template } : {}),
      };
    };
    const outcome = await call(signal, () =>
      templates
        ? (client.sendEmailBatchWithTemplates?.(
            sendable.map((s) => s.input) as unknown as SdkTemplatedMessage[],
          ) as Promise<unknown>)
        : client.sendEmailBatch(sendable.map((s) => s.input) as unknown as SdkMessage[]),
    );
    if ('error' in outcome) {
      // The whole call failed: every message in it shares the error (mapped with its own recipients).
      for (const { index } of sendable) {
        out[index] = toPostmarkRelayError(outcome.error, {
          ...mapping(messages[index] as Message),
          transport: outcome.scope,
        });
      }
      return;
    }
    if (!Array.isArray(outcome.value)) {
      const unreadable = transportError('malformed', { ...attempt, detail: 'not a JSON array' });
      for (const { index } of sendable) out[index] = unreadable;
      return;
    }
    const responses = outcome.value as SendResponse[];
    sendable.forEach(({ index }, k) => {
      const message = messages[index] as Message;
      const response = responses[k];
      try {
        if (response === undefined || response === null || typeof response !== 'object') {
          throw new RelayError({
            kind: 'transient',
            provider: name,
            message: `Postmark's batch answer has no entry ${k}; relaykit retries that message`,
          });
        }
        if (typeof response.ErrorCode === 'number' && response.ErrorCode !== 0) {
          throw fromErrorCode(response.ErrorCode, response.Message ?? '', mapping(message));
        }
        out[index] = result(message, response);
      } catch (error) {
        out[index] = toPostmarkRelayError(error, { provider: name });
      }
    });
  }

  const provider: Provider = {
    name,
    type: 'postmark',
    bounceHints: postmarkBounceHints,
    capabilities: {
      maxBatchSize,
      // Postmark has no idempotency key: relaykit's id travels in Metadata for correlation only.
      idempotency: false,
      scheduling: false,
      schedulingHorizonMs: 0,
      inlineAttachments: true,
      maxMessageBytes,
      maxRecipients,
      // /email/withTemplate and /email/batchWithTemplates, by TemplateId or TemplateAlias.
      templates: true,
    },
    send,
    // ErrorCode 406, "Inactive recipient": Postmark holds the address as inactive (a hard
    // bounce or a spam complaint) and will not send to it, so the relay suppresses it too.
    // https://postmarkapp.com/developer/api/overview#error-codes
    rejectionBounce: (error) =>
      error.providerCode === '406' ? { class: 'hard', category: 'suppressed' } : undefined,
    async sendBatch(messages, context) {
      const results: Array<SendResult | RelayError> = [];
      for (let start = 0; start < messages.length; start += maxBatchSize) {
        results.push(
          ...(await sendChunk(messages.slice(start, start + maxBatchSize), context.signal)),
        );
      }
      return results;
    },
    ...(resolved.webhook
      ? {
          webhook: postmarkWebhook({
            provider: name,
            auth: resolved.webhook,
            streams: reverseStreams(resolved),
          }),
        }
      : {}),
  };
  return provider;
}

/** Postmark MessageStream → relaykit stream, for the streams exactly one relaykit stream maps to. */
function reverseStreams(options: ResolvedOptions): Map<string, string> {
  const owners = new Map<string, string[]>();
  for (const [stream, id] of Object.entries(options.messageStreams))
    owners.set(id, [...(owners.get(id) ?? []), stream]);
  const map = new Map<string, string>();
  for (const [id, streams] of owners) {
    // The default stream also carries every unmapped relaykit stream, so it names none of them.
    if (streams.length === 1 && id !== options.messageStream) map.set(id, streams[0] as string);
  }
  return map;
}
