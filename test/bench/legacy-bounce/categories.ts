import type { BounceClass } from '@relaykit/core';

/**
 * Why a bounce or deferral happened. The class each category implies (below) is what the
 * suppression policy acts on; the category says what to fix.
 *
 * hard (the recipient is bad: suppress on the first final answer):
 * - `unknown-user`: the mailbox does not exist (x.1.1, x.1.3, x.1.10 "recipient not found").
 * - `mailbox-disabled`: it exists but is disabled, closed, moved or inactive (x.2.1, x.1.6, x.7.13).
 * - `bad-domain`: the recipient domain does not exist (x.1.2, NXDOMAIN).
 * - `null-mx`: the recipient domain publishes a null MX (RFC 7505): no address there takes mail.
 * - `suppressed`: the provider refused because it holds the address on its own suppression list.
 * - `complaint`: the provider reports the recipient marked a message as spam.
 *
 * soft (a mailbox or network condition; final soft bounces count strikes):
 * - `mailbox-full`, `temporary`, `timeout`, `dns`, `expired` (the relay gave up retrying).
 * - `rate-limit`: the recipient's mailbox or server is taking mail too fast (no strike).
 * - `too-many-recipients`: split the batch and retry (no strike).
 *
 * block (the sender, its IP, domain or content is refused: never charged to the recipient,
 * alerts the sending domain):
 * - `reputation`, `blocklist`, `authentication` (SPF, DKIM, DMARC, PTR), `policy`, `content`,
 *   `message-too-large`, `configuration` (TLS required, relay denied, bad MAIL FROM domain).
 *
 * undetermined: `auto-reply` (the message was delivered), `unknown`, and `unattributed`: the
 * provider reported a bounce or complaint for a message with several recipients without saying
 * which one; the event is recorded for each of them and charged to none (never suppresses).
 */
export const bounceCategories = [
  'unknown-user',
  'mailbox-disabled',
  'bad-domain',
  'null-mx',
  'suppressed',
  'complaint',
  'mailbox-full',
  'temporary',
  'timeout',
  'dns',
  'expired',
  'rate-limit',
  'too-many-recipients',
  'reputation',
  'blocklist',
  'authentication',
  'policy',
  'content',
  'message-too-large',
  'configuration',
  'auto-reply',
  'unknown',
  'unattributed',
] as const;

export type BounceCategory = (typeof bounceCategories)[number];

/** The class a category implies before the reply code has its say (4xx is never hard). */
export const categoryClass: Readonly<Record<BounceCategory, BounceClass>> = {
  'unknown-user': 'hard',
  'mailbox-disabled': 'hard',
  'bad-domain': 'hard',
  'null-mx': 'hard',
  suppressed: 'hard',
  complaint: 'hard',
  'mailbox-full': 'soft',
  temporary: 'soft',
  timeout: 'soft',
  dns: 'soft',
  expired: 'soft',
  'rate-limit': 'soft',
  'too-many-recipients': 'soft',
  reputation: 'block',
  blocklist: 'block',
  authentication: 'block',
  policy: 'block',
  content: 'block',
  'message-too-large': 'block',
  configuration: 'block',
  'auto-reply': 'undetermined',
  unknown: 'undetermined',
  unattributed: 'undetermined',
};

const known = new Set<string>(bounceCategories);

export function isBounceCategory(value: unknown): value is BounceCategory {
  return typeof value === 'string' && known.has(value);
}
