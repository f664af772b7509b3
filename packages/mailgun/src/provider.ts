import type { RelayError } from '@relaykit/core';
import { type Message, type Provider } from '@relaykit/core';
import {
  acceptedByAll,
  runAttempt,
  transportError,
  type SendContext,
  type SendResult,
} from '@relaykit/core/adapter';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import type { MailgunMessageData, MessagesSendResult } from 'mailgun.js/definitions';
import {
  batchKey,
  batchMemberId,
  mailgunTemplate,
  maxBatchRecipients,
  normalizeMessageId,
  toMailgunBatch,
  toMailgunMessage,
  type ConvertOptions,
} from './convert.ts';
import { mapMailgunError } from './errors.ts';
import { resolveOptions, type MailgunClient, type MailgunOptions } from './options.ts';
import { mailgunWebhook } from './webhook.ts';
import { mailgunBounceHints } from './bounce-hints.ts';

const day = 24 * 60 * 60 * 1000;

/** Mailgun's message size ceiling. */
const maxMessageBytes = 25 * 1024 * 1024;

/** Runs `tasks` with at most `width` at a time. */
async function pool(tasks: ReadonlyArray<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, tasks.length)) }, worker));
}

/**
 * The Mailgun provider, over the official mailgun.js SDK (with the form-data package).
 *
 * @example
 * const provider = mailgun({
 *   apiKey: process.env.MAILGUN_API_KEY,
 *   domain: 'mg.example.com',
 *   region: 'eu',
 *   webhook: { signingKey: process.env.MAILGUN_WEBHOOK_SIGNING_KEY },
 * });
 */
export function mailgun(options: MailgunOptions): Provider {
  const o = resolveOptions(options);
  const name = o.name;
  // mailgun.js retries nothing itself, so relaykit owns retries; it has no default timeout, so one is always set.
  const client: MailgunClient =
    o.client ??
    new Mailgun(FormData).client({
      username: 'api',
      key: o.apiKey as string,
      url: o.baseUrl,
      // mailgun.js takes no AbortSignal: its own timeout (a little past relaykit's, which ends the
      // attempt first) is what finally closes the socket of an abandoned request.
      timeout: o.timeoutMs + 1000,
    });
  const attempt = { provider: name, service: 'Mailgun', timeoutMs: o.timeoutMs };
  const convert: ConvertOptions = {
    messageIdVariable: o.messageIdVariable,
    schedulingHorizonMs: o.schedulingHorizonDays * day,
    testMode: o.testMode,
    ...(o.trackOpens === undefined ? {} : { trackOpens: o.trackOpens }),
    ...(o.trackClicks === undefined ? {} : { trackClicks: o.trackClicks }),
  };

  async function call(
    data: MailgunMessageData,
    signal: AbortSignal | undefined,
    template: string | undefined,
  ): Promise<MessagesSendResult> {
    let result: MessagesSendResult;
    try {
      // create() throws synchronously on empty data: runAttempt turns that into a rejection, caught here.
      result = await runAttempt(signal ? { ...attempt, signal } : attempt, () =>
        client.messages.create(o.domain, data),
      );
    } catch (error) {
      throw mapMailgunError(error, name, Date.now(), template);
    }
    if (typeof result !== 'object' || typeof result.id !== 'string' || result.id.trim() === '') {
      // mailgun.js hands back an answer it cannot parse as it is: a success without an id.
      throw transportError('malformed', { ...attempt, detail: 'no message id' });
    }
    return result;
  }

  async function send(message: Message, context: SendContext): Promise<SendResult> {
    const result = await call(
      toMailgunMessage(message, convert),
      context.signal,
      mailgunTemplate(message),
    );
    return acceptedByAll(message, normalizeMessageId(result.id as string), result);
  }

  /**
   * Messages that differ only in their single To go out as recipient-variables batches of up to
   * 1,000 (each recipient gets its own copy; the batch shares one Mailgun id, so each message's
   * providerMessageId is `<id>/<recipient>`); the rest one call each. At most `batchConcurrency` calls
   * run at once. A failed call fails exactly the messages it carried.
   */
  async function sendBatch(
    messages: readonly Message[],
    context: Omit<SendContext, 'idempotencyKey'>,
  ): Promise<Array<SendResult | RelayError>> {
    const results: Array<SendResult | RelayError> = new Array(messages.length);
    const groups: number[][] = [];
    const open = new Map<string, { indices: number[]; recipients: Set<string> }[]>();
    messages.forEach((m, i) => {
      const key = o.batch ? batchKey(m) : undefined;
      if (key === undefined) {
        groups.push([i]);
        return;
      }
      const address = (m.to[0] as Message['to'][number]).address.toLowerCase();
      const candidates = open.get(key) ?? [];
      let group = candidates.find(
        (g) => g.indices.length < maxBatchRecipients && !g.recipients.has(address),
      );
      if (!group) {
        group = { indices: [], recipients: new Set() };
        candidates.push(group);
        open.set(key, candidates);
        groups.push(group.indices);
      }
      group.indices.push(i);
      group.recipients.add(address);
    });

    const tasks = groups.map((indices) => async () => {
      const members = indices.map((i) => messages[i] as Message);
      if (members.length === 1) {
        const [only] = members as [Message];
        results[indices[0] as number] = await send(only, {
          ...context,
          idempotencyKey: only.idempotencyKey,
        }).catch((error: unknown) => mapMailgunError(error, name));
        return;
      }
      try {
        const result = await call(
          toMailgunBatch(members, convert),
          context.signal,
          mailgunTemplate(members[0] as Message),
        );
        members.forEach((m, k) => {
          const recipient = (m.to[0] as Message['to'][number]).address;
          results[indices[k] as number] = {
            providerMessageId: batchMemberId(result.id as string, recipient),
            accepted: [recipient],
            rejected: [],
            raw: result,
          };
        });
      } catch (error) {
        const relayError = mapMailgunError(
          error,
          name,
          Date.now(),
          mailgunTemplate(members[0] as Message),
        );
        for (const i of indices) results[i] = relayError;
      }
    });
    await pool(tasks, o.batchConcurrency);
    return results;
  }

  const provider: Provider = {
    name,
    type: 'mailgun',
    bounceHints: mailgunBounceHints,
    capabilities: {
      maxBatchSize: maxBatchRecipients,
      idempotency: false,
      scheduling: o.schedulingHorizonDays > 0,
      schedulingHorizonMs: o.schedulingHorizonDays * day,
      inlineAttachments: true,
      maxMessageBytes,
      // Mailgun takes at most 1,000 recipients per call (its batch sending documentation).
      maxRecipients: maxBatchRecipients,
      // `template` by name with h:X-Mailgun-Variables; batches with recipient-variables.
      templates: true,
    },
    send,
    sendBatch,
    ...(o.webhooks
      ? {
          webhook: mailgunWebhook({
            provider: name,
            keys: o.signingKeys,
            toleranceSeconds: o.toleranceSeconds,
            skipVerification: o.skipVerification,
            messageIdVariable: o.messageIdVariable,
            ...(o.replayStore ? { replayStore: o.replayStore } : {}),
          }),
        }
      : {}),
  };
  return provider;
}
