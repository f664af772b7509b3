import {
  GetAccountCommand,
  SendBulkEmailCommand,
  SendEmailCommand,
  SESv2Client,
  type SESv2ClientConfig,
} from '@aws-sdk/client-sesv2';
import { RelayError, type Message, type Provider } from '@relaykit/core';
import {
  acceptedByAll,
  runAttempt,
  templateIdFor,
  transportError,
  type AccountLimits,
  type SendContext,
  type SendResult,
} from '@relaykit/core/adapter';
import {
  bulkKey,
  maxRecipients,
  toBulkInput,
  toSendEmailInput,
  type SendSettings,
} from './convert.ts';
import { bulkEntryError, toSesError } from './errors.ts';
import { parseOptions, resolve, type SesOptions } from './options.ts';
import { createSesWebhook } from './webhook.ts';
import { sesAccountHealth } from './account-health.ts';
import { sesBounceHints } from './bounce-hints.ts';

export interface SesProvider extends Provider {
  /** The SESv2Client in use: yours when you passed one, otherwise the one relaykit built. */
  readonly client: SESv2Client;
}

/** SendBulkEmail entries per call (the documented 50 destinations per templated send). */
const bulkLimit = 50;

/**
 * Amazon SES v2 as a relaykit provider.
 *
 * @example
 * const provider = ses({
 *   region: 'eu-west-1',
 *   configurationSetName: 'relaykit-events',
 *   webhook: { topicArns: ['arn:aws:sns:eu-west-1:123456789012:ses-events'] },
 * });
 */
export function ses(input: SesOptions = {}): SesProvider {
  const options = parseOptions(input);
  const name = options.name ?? 'ses';
  const messageIdTag = options.messageIdTag ?? 'relaykit-message-id';
  const ownsClient = options.client === undefined;
  const client = options.client ?? buildClient(options);

  const settingsFor = (message: Message): SendSettings => ({
    messageIdTag,
    configurationSetName: resolve(options.configurationSetName, message),
    listManagement: resolve(options.listManagement, message),
    fromEmailAddressIdentityArn: options.fromEmailAddressIdentityArn,
    feedbackForwardingEmailAddress: options.feedbackForwardingEmailAddress,
    feedbackForwardingEmailAddressIdentityArn: options.feedbackForwardingEmailAddressIdentityArn,
    content: options.content,
  });

  /** The template id a templated message goes out under (for its errors to name). */
  const templateOf = (message: Message | undefined): string | undefined =>
    message?.template === undefined ? undefined : templateIdFor(message, 'ses');
  const fail = (error: unknown, message?: Message) => toSesError(error, name, templateOf(message));
  const attempt = { provider: name, service: 'SES', timeoutMs: options.timeoutMs };

  async function send(message: Message, context: Pick<SendContext, 'signal'>): Promise<SendResult> {
    const command = new SendEmailCommand(toSendEmailInput(message, settingsFor(message)));
    let output;
    try {
      const { signal } = context;
      output = await runAttempt(signal ? { ...attempt, signal } : attempt, (abortSignal) =>
        client.send(command, { abortSignal }),
      );
    } catch (error) {
      throw fail(error, message);
    }
    if (!output.MessageId) {
      throw transportError('malformed', { ...attempt, detail: 'no MessageId' });
    }
    return acceptedByAll(message, output.MessageId, output);
  }

  async function sendBulk(
    messages: Message[],
    settings: SendSettings[],
    signal: AbortSignal | undefined,
  ): Promise<Array<SendResult | RelayError>> {
    let output;
    try {
      const command = new SendBulkEmailCommand(toBulkInput(messages, settings));
      output = await runAttempt({ ...attempt, signal }, (abortSignal) =>
        client.send(command, { abortSignal }),
      );
    } catch (error) {
      const relayError = fail(error, messages[0]);
      return messages.map(() => relayError);
    }
    const entries = output.BulkEmailEntryResults ?? [];
    return messages.map((message, i) => {
      const entry = entries[i];
      if (!entry)
        return new RelayError({
          kind: 'transient',
          provider: name,
          message: `SendBulkEmail answered ${entries.length} results for ${messages.length} entries`,
        });
      if (entry.Status === 'SUCCESS' && entry.MessageId)
        return acceptedByAll(message, entry.MessageId, entry);
      return bulkEntryError(entry.Status ?? 'FAILED', entry.Error, name, templateOf(message));
    });
  }

  /**
   * Messages with identical content (and settings) go out through SendBulkEmail, 50 per call; the
   * rest through parallel SendEmail calls. SendBulkEmail only sends templates, so a batch of
   * different messages cannot use it.
   */
  async function sendBatch(
    messages: readonly Message[],
    context: Omit<SendContext, 'idempotencyKey'>,
  ): Promise<Array<SendResult | RelayError>> {
    const results: Array<SendResult | RelayError> = new Array(messages.length);
    const singles: number[] = [];
    const groups = new Map<string, number[]>();
    messages.forEach((message, i) => {
      const key = options.bulk === false ? undefined : bulkKey(message, settingsFor(message));
      if (key === undefined) singles.push(i);
      else groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const jobs: Array<() => Promise<void>> = [];
    for (const indices of groups.values()) {
      if (indices.length === 1) {
        singles.push(indices[0] as number);
        continue;
      }
      for (let start = 0; start < indices.length; start += bulkLimit) {
        const chunk: number[] = [];
        for (const i of indices.slice(start, start + bulkLimit)) {
          // Each message is checked alone first, so one bad address fails only its own entry.
          try {
            toSendEmailInput(messages[i] as Message, settingsFor(messages[i] as Message));
            chunk.push(i);
          } catch (error) {
            results[i] = fail(error, messages[i]);
          }
        }
        if (chunk.length === 0) continue;
        jobs.push(async () => {
          const batch = chunk.map((i) => messages[i] as Message);
          const out = await sendBulk(batch, batch.map(settingsFor), context.signal);
          chunk.forEach((i, j) => {
            results[i] = out[j] as SendResult | RelayError;
          });
        });
      }
    }
    for (const i of singles.sort((a, b) => a - b)) {
      jobs.push(async () => {
        try {
          results[i] = await send(messages[i] as Message, context);
        } catch (error) {
          results[i] = fail(error, messages[i]);
        }
      });
    }
    await pool(jobs, options.batchConcurrency ?? 8);
    return results;
  }

  const ttl = options.accountLimitsTtlMs ?? 60_000;
  let limits: { at: number; value: Promise<AccountLimits> } | undefined;

  async function accountLimits(signal?: AbortSignal): Promise<AccountLimits | undefined> {
    if (limits && Date.now() - limits.at < ttl) return limits.value;
    const value = (async () => {
      try {
        const out = await client.send(
          new GetAccountCommand({}),
          signal ? { abortSignal: signal } : {},
        );
        const quota = out.SendQuota ?? {};
        const result: AccountLimits = {};
        // Negative values mean "unlimited" in SES quotas.
        if (quota.MaxSendRate !== undefined && quota.MaxSendRate >= 0)
          result.maxSendRate = quota.MaxSendRate;
        if (quota.Max24HourSend !== undefined && quota.Max24HourSend >= 0)
          result.max24HourSend = quota.Max24HourSend;
        if (quota.SentLast24Hours !== undefined) result.sentLast24Hours = quota.SentLast24Hours;
        if (out.SendingEnabled !== undefined) result.sendingEnabled = out.SendingEnabled;
        return result;
      } catch (error) {
        throw fail(error);
      }
    })();
    limits = { at: Date.now(), value };
    value.catch(() => {
      if (limits?.value === value) limits = undefined;
    });
    return value;
  }

  const provider: SesProvider = {
    name,
    type: 'ses',
    client,
    bounceHints: sesBounceHints,
    accountHealth: sesAccountHealth,
    capabilities: {
      maxBatchSize: bulkLimit,
      idempotency: false,
      scheduling: false,
      schedulingHorizonMs: 0,
      inlineAttachments: true,
      maxMessageBytes: 40 * 1024 * 1024,
      maxRecipients,
      // Content.Template by TemplateName; SendBulkEmail with ReplacementTemplateData per entry.
      templates: true,
      // SES's maximum send rate counts recipients, not calls; the account's own figure
      // (GetAccount SendQuota.MaxSendRate, read by accountLimits) seeds the throttle:
      // https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html
      rateUnit: 'recipients',
    },
    send,
    sendBatch,
    ...(options.webhook === false
      ? {}
      : { webhook: createSesWebhook({ ...options.webhook, provider: name, messageIdTag }) }),
    ...(options.accountLimits === false ? {} : { accountLimits }),
    async close() {
      if (ownsClient) client.destroy();
    },
  };
  return provider;
}

function buildClient(options: SesOptions): SESv2Client {
  const config: SESv2ClientConfig = { maxAttempts: options.maxAttempts ?? 1 };
  if (options.region !== undefined) config.region = options.region;
  if (options.baseUrl !== undefined) config.endpoint = options.baseUrl;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new SESv2Client(config);
}

async function pool(jobs: ReadonlyArray<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as () => Promise<void>;
      await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
}
