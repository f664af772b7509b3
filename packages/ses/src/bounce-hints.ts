import { bounceHints } from '@relaykit/core/adapter';

const source =
  'SES bounce types: docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html';
const newer = `${source} (newer subtype, unverified)`;

/**
 * SES's bounce vocabulary: a bounce's `bounceType/bounceSubType` (Permanent, Transient,
 * Undetermined) and a delay's `DeliveryDelay/delayType` (a deferral, never final).
 */
export const sesBounceHints = bounceHints([
  ['Permanent/General', { category: 'unknown', class: 'hard', source }],
  ['Permanent/NoEmail', { category: 'unknown-user', source }],
  ['Permanent/Suppressed', { category: 'suppressed', source }],
  ['Permanent/OnAccountSuppressionList', { category: 'suppressed', source }],
  ['Permanent/OnTenantSuppressionList', { category: 'suppressed', source: newer }],
  ['Permanent/UnsubscribedRecipient', { category: 'suppressed', source: newer }],
  ['Permanent/EmailValidationSuppressed', { category: 'suppressed', source: newer }],
  ['Transient/General', { category: 'temporary', source }],
  ['Transient/MailboxFull', { category: 'mailbox-full', source }],
  ['Transient/MessageTooLarge', { category: 'message-too-large', source }],
  ['Transient/ContentRejected', { category: 'content', source }],
  ['Transient/AttachmentRejected', { category: 'content', source }],
  ['Transient/CustomTimeoutExceeded', { category: 'expired', source: newer }],
  ['Transient', { category: 'temporary', permanent: false, source }],
  ['Undetermined', { category: 'unknown', source }],
  ['Permanent', { category: 'unknown', class: 'hard', permanent: true, source }],
  ['DeliveryDelay/MailboxFull', { category: 'mailbox-full', source }],
  ['DeliveryDelay/SpamDetected', { category: 'content', source }],
  ['DeliveryDelay/IPFailure', { category: 'reputation', source }],
  ['DeliveryDelay/TransientCommunicationFailure', { category: 'timeout', source }],
  ['DeliveryDelay/SendingDeferral', { category: 'rate-limit', class: 'block', source }],
  ['DeliveryDelay', { category: 'temporary', permanent: false, source }],
]);
