import type { BounceClass } from '../events.ts';

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
 * - `mailbox-full`, `temporary`, `timeout`, `dns` (a DNS answer that may change: SERVFAIL, 4.x "no MX"),
 *   `expired` (the relay gave up retrying), `network` (refused or lost connections, routing loops).
 * - `rate-limit`: the recipient's mailbox or server is taking mail too fast (no strike).
 * - `too-many-recipients`: split the batch and retry (no strike).
 *
 * block (the sender, its IP, domain or content is refused: never charged to the recipient,
 * alerts the sending domain):
 * - `reputation`, `blocklist`, `authentication` (SPF, DKIM, DMARC, PTR), `policy`, `content`,
 *   `message-too-large`, `configuration` (TLS required, relay denied).
 * - `sender`: the sender address or the sending account is refused (RFC 3463 X.1.7/X.1.8, sender
 *   domain does not exist, sender verify failed, SMTP authentication required, SES "Email address
 *   is not verified"). Fix the sending setup; the recipient is fine.
 * - `protocol`: the message or the SMTP dialogue is malformed (X.5.x, X.6.x: bad sequence, bare LF,
 *   8-bit data, header errors).
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
  'network',
  'sender',
  'protocol',
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
  network: 'soft',
  sender: 'block',
  protocol: 'block',
  'auto-reply': 'undetermined',
  unknown: 'undetermined',
  unattributed: 'undetermined',
};
