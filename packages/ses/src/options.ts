import type { SESv2Client, SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { RelayError } from '@relaykit/core';
import type { Message } from '@relaykit/core';
import * as kit from '@relaykit/core/adapter';
import { z } from 'zod';

/** The contact list and topic a send belongs to (SES then writes the unsubscribe headers itself). */
export interface ListManagement {
  contactListName: string;
  topicName?: string;
}

/** A value fixed for every send, or chosen per message (e.g. by `message.stream`). */
export type PerMessage<T> = T | ((message: Message) => T | undefined);

export interface SesWebhookOptions {
  /**
   * The SNS topics whose notifications are accepted. Required: a notification or subscription
   * confirmation from any other topic fails verification (401), even when its signature is good.
   */
  topicArns?: readonly string[];
  /**
   * Confirms a SubscriptionConfirmation from an allowed topic by GETting its SubscribeURL (after
   * pinning its host to sns.<region>.amazonaws.com). @default true
   */
  autoConfirm?: boolean;
  /**
   * Fetches the PEM certificate at a SigningCertURL (already checked to be
   * https://sns.<region>.amazonaws.com/….pem). The default uses `fetch`. Tests inject the
   * simulator's certificate here; the host check still applies.
   */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Notifications whose SNS Timestamp is older than this are refused (replay guard). @default 86_400_000 (24 h); 0 turns it off */
  maxAgeMs?: number;
  /**
   * Skips signature, certificate and topic checks. Only for a trusted network path (e.g. behind
   * a gateway that verifies SNS itself); never on a public endpoint.
   */
  dangerouslySkipVerification?: boolean;
}

export interface SesOptions {
  /** The relay's name for this provider. @default 'ses' */
  name?: string;
  /** A client you built; used as it is (drop-in). Region, credentials and baseUrl are then ignored. */
  client?: SESv2Client;
  region?: string;
  /** AWS credentials, or a credential provider; by default the SDK's chain (env, profile, role). */
  credentials?: SESv2ClientConfig['credentials'];
  /**
   * Overrides the SES API origin (the SDK's `endpoint`), e.g. the simulator's
   * `http://127.0.0.1:PORT`. @default the region's AWS endpoint
   */
  baseUrl?: string;
  /**
   * How long one request to SES may take; then it is abandoned as a timeout (transient) and the
   * relay retries or fails over. @default 15000 (core's defaultTimeoutMs)
   */
  timeoutMs?: number;
  /** Attempts the SDK makes per call when relaykit builds the client. @default 1 (relaykit owns retries) */
  maxAttempts?: number;
  configurationSetName?: PerMessage<string>;
  fromEmailAddressIdentityArn?: string;
  feedbackForwardingEmailAddress?: string;
  feedbackForwardingEmailAddressIdentityArn?: string;
  /** SES list management: SES adds List-Unsubscribe itself and emits Subscription events. */
  listManagement?: PerMessage<ListManagement>;
  /** The EmailTag that carries relaykit's message id. @default 'relaykit-message-id' */
  messageIdTag?: string;
  /** 'auto': Simple content when it can carry the message, raw MIME otherwise; 'raw': always raw MIME. @default 'auto' */
  content?: 'auto' | 'raw';
  /** Use SendBulkEmail for a batch of messages with identical content. @default true */
  bulk?: boolean;
  /** Parallel SendEmail calls in sendBatch when the batch does not fit SendBulkEmail. @default 8 */
  batchConcurrency?: number;
  /** Report GetAccount's send quota to the throttle. @default true */
  accountLimits?: boolean;
  /** How long an accountLimits answer is reused (SES throttles control-plane calls at ~1/s). @default 60_000 */
  accountLimitsTtlMs?: number;
  /**
   * SNS webhook intake. Required (with `topicArns`) unless `false`: a send-only provider has no
   * `webhook` member.
   */
  webhook?: SesWebhookOptions | false;
}

const tagName = /^[A-Za-z0-9_-]{1,256}$/u;
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');
const perMessageString = z.union([z.string().min(1), fn]);
const listManagement = z.union([
  z.object({ contactListName: z.string().min(1), topicName: z.string().min(1).optional() }),
  fn,
]);

const webhookSchema = z
  .object({
    topicArns: z
      .array(
        z
          .string()
          .regex(
            /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/u,
            'a topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
          ),
      )
      .min(1)
      .optional(),
    autoConfirm: z.boolean().optional(),
    fetchCertificate: fn.optional(),
    maxAgeMs: z.number().int().min(0).optional(),
    dangerouslySkipVerification: z.boolean().optional(),
  })
  .strict();

const schema = z
  .object({
    name: z.string().min(1).optional(),
    client: kit.objectWith<SESv2Client>('send', 'an SESv2Client'),
    region: z.string().min(1).optional(),
    credentials: z.unknown().optional(),
    baseUrl: z.url().optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    configurationSetName: perMessageString.optional(),
    fromEmailAddressIdentityArn: z.string().min(1).optional(),
    feedbackForwardingEmailAddress: z.string().min(3).optional(),
    feedbackForwardingEmailAddressIdentityArn: z.string().min(1).optional(),
    listManagement: listManagement.optional(),
    messageIdTag: z
      .string()
      .regex(tagName, 'ASCII letters, digits, _ and - only (SES tag rules)')
      .optional(),
    content: z.enum(['auto', 'raw']).optional(),
    bulk: z.boolean().optional(),
    batchConcurrency: z.number().int().min(1).max(64).optional(),
    accountLimits: z.boolean().optional(),
    accountLimitsTtlMs: z.number().int().min(0).optional(),
    webhook: z.union([webhookSchema, z.literal(false)]).optional(),
  })
  .strict();

/** Validates the factory options; a fault is a RelayError of kind 'config' naming the option (never its value). */
export function parseOptions(input: unknown): SesOptions {
  kit.parseFactoryOptions(schema, input, 'ses', { endpoint: 'baseUrl' });
  const options = input as SesOptions;
  if (
    options.webhook !== false &&
    !options.webhook?.dangerouslySkipVerification &&
    !options.webhook?.topicArns
  ) {
    throw new RelayError({
      kind: 'config',
      provider: 'ses',
      message:
        'webhook.topicArns is required: list the SNS topic ARN(s) your SES configuration set publishes to; pass webhook: false for a send-only provider (or webhook.dangerouslySkipVerification behind a gateway that verifies SNS)',
    });
  }
  return options;
}

/** Resolves a per-message option. */
export function resolve<T>(value: PerMessage<T> | undefined, message: Message): T | undefined {
  return typeof value === 'function' ? (value as (m: Message) => T | undefined)(message) : value;
}
