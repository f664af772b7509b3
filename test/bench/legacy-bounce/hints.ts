import type { BounceClass } from '@relaykit/core';
import type { BounceCategory } from './categories.ts';

/**
 * What a provider said about a bounce, as adapters pass it:
 * - SES and Resend: `{ type: bounceType, subType: bounceSubType }` (Permanent/Transient/Undetermined);
 *   SES delays: `{ type: 'DeliveryDelay', subType: delayType }`.
 * - Postmark: `{ type: Type }` (HardBounce, SoftBounce, Transient, SpamNotification, Blocked, ...).
 * - Mailgun: `{ type: severity, subType: reason }` ('permanent' | 'temporary', 'bounce', 'suppress-bounce', ...).
 * - anyone: `permanent` when only "permanent or not" is known.
 */
export interface BounceHint {
  provider?: string;
  type?: string;
  subType?: string;
  permanent?: boolean;
}

export interface HintMeaning {
  category: BounceCategory;
  class?: BounceClass;
}

const ses =
  'SES bounce types: docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html';
const postmark =
  'Postmark bounce types: postmarkapp.com/developer/api/bounce-api, postmark SDK BounceType enum';
const mailgun = 'Mailgun failed-event reasons: documentation.mailgun.com (Events, event types)';

/**
 * Keys are lower-case letters and digits only: `type/subtype`, then `type`, then `subtype`.
 * Sources: `ses`, `postmark`, `mailgun` above; Resend uses the SES names (resend.com/docs, email.bounced).
 */
const table: ReadonlyMap<string, HintMeaning & { source: string }> = new Map([
  // SES and Resend, type/subType.
  ['permanent/general', { category: 'unknown', class: 'hard', source: ses }],
  ['permanent/noemail', { category: 'unknown-user', source: ses }],
  ['permanent/suppressed', { category: 'suppressed', source: ses }],
  ['permanent/onaccountsuppressionlist', { category: 'suppressed', source: ses }],
  [
    'permanent/ontenantsuppressionlist',
    { category: 'suppressed', source: `${ses} (newer subtype, unverified)` },
  ],
  [
    'permanent/unsubscribedrecipient',
    { category: 'suppressed', source: `${ses} (newer subtype, unverified)` },
  ],
  [
    'permanent/emailvalidationsuppressed',
    { category: 'suppressed', source: `${ses} (newer subtype, unverified)` },
  ],
  ['transient/general', { category: 'temporary', source: ses }],
  ['transient/mailboxfull', { category: 'mailbox-full', source: ses }],
  ['transient/messagetoolarge', { category: 'message-too-large', source: ses }],
  ['transient/contentrejected', { category: 'content', source: ses }],
  ['transient/attachmentrejected', { category: 'content', source: ses }],
  [
    'transient/customtimeoutexceeded',
    { category: 'expired', source: `${ses} (newer subtype, unverified)` },
  ],
  [
    'transient/messagerejected',
    { category: 'policy', source: 'Resend email.bounced docs text (resend.com/docs)' },
  ],
  [
    'temporary/messagerejected',
    { category: 'policy', source: 'Resend email.bounced docs text (resend.com/docs)' },
  ],
  ['transient', { category: 'temporary', source: `${ses}; ${postmark} (Transient = delayed)` }],
  ['temporary', { category: 'temporary', source: mailgun }],
  ['undetermined', { category: 'unknown', source: ses }],
  ['permanent', { category: 'unknown', class: 'hard', source: ses }],
  // SES DeliveryDelay delayType (a deferral, never final).
  ['deliverydelay/mailboxfull', { category: 'mailbox-full', source: ses }],
  ['deliverydelay/spamdetected', { category: 'content', source: ses }],
  ['deliverydelay/ipfailure', { category: 'reputation', source: ses }],
  ['deliverydelay/transientcommunicationfailure', { category: 'timeout', source: ses }],
  ['deliverydelay/sendingdeferral', { category: 'rate-limit', class: 'block', source: ses }],
  ['deliverydelay', { category: 'temporary', source: ses }],
  // Postmark Type.
  ['hardbounce', { category: 'unknown-user', source: postmark }],
  ['softbounce', { category: 'temporary', source: postmark }],
  ['dnserror', { category: 'dns', source: postmark }],
  ['spamnotification', { category: 'content', source: postmark }],
  ['virusnotification', { category: 'content', source: postmark }],
  ['blocked', { category: 'policy', source: postmark }],
  ['dmarcpolicy', { category: 'authentication', source: postmark }],
  ['bademailaddress', { category: 'unknown-user', source: postmark }],
  ['spamcomplaint', { category: 'complaint', source: postmark }],
  ['manuallydeactivated', { category: 'suppressed', source: postmark }],
  [
    'inactiverecipientserror',
    { category: 'suppressed', source: `${postmark} (406 inactive recipients)` },
  ],
  ['autoresponder', { category: 'auto-reply', source: postmark }],
  ['challengeverification', { category: 'auto-reply', source: postmark }],
  ['smtpapierror', { category: 'configuration', source: postmark }],
  ['templaterenderingfailed', { category: 'configuration', source: postmark }],
  ['unknown', { category: 'unknown', source: postmark }],
  // Mailgun severity/reason (reason alone also resolves through the subtype lookup).
  ['permanent/bounce', { category: 'unknown', class: 'hard', source: mailgun }],
  ['suppressbounce', { category: 'suppressed', source: mailgun }],
  ['suppresscomplaint', { category: 'suppressed', source: mailgun }],
  ['suppressunsubscribe', { category: 'suppressed', source: mailgun }],
  ['espblock', { category: 'reputation', source: mailgun }],
  ['greylisted', { category: 'temporary', source: mailgun }],
  ['old', { category: 'expired', source: mailgun }],
  ['permanent/generic', { category: 'unknown', source: mailgun }],
  ['temporary/generic', { category: 'temporary', source: mailgun }],
]);

const key = (value: unknown): string =>
  typeof value === 'string' ? value.toLowerCase().replace(/[^a-z0-9]/gu, '') : '';

/** The meaning of a provider's bounce type, or undefined when it is not one relaykit knows. */
export function readHint(hint: BounceHint | undefined): HintMeaning | undefined {
  if (!hint || typeof hint !== 'object') return undefined;
  const type = key(hint.type);
  const subType = key(hint.subType);
  const found =
    (type && subType ? table.get(`${type}/${subType}`) : undefined) ??
    (subType && subType !== 'general' && subType !== 'undetermined'
      ? table.get(subType)
      : undefined) ??
    (type ? table.get(type) : undefined);
  if (found)
    return found.class === undefined
      ? { category: found.category }
      : { category: found.category, class: found.class };
  if (hint.permanent === true) return { category: 'unknown', class: 'hard' };
  if (hint.permanent === false) return { category: 'temporary' };
  return undefined;
}

/** Whether the hint says the failure is permanent (true), temporary (false), or does not say. */
export function hintPermanence(hint: BounceHint | undefined): boolean | undefined {
  if (!hint || typeof hint !== 'object') return undefined;
  if (typeof hint.permanent === 'boolean') return hint.permanent;
  const type = key(hint.type);
  if (type === 'permanent' || type === 'hardbounce') return true;
  if (
    type === 'transient' ||
    type === 'temporary' ||
    type === 'softbounce' ||
    type === 'deliverydelay'
  )
    return false;
  return undefined;
}
