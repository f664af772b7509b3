import { bounceHints } from '@relaykit/core/adapter';

const source = 'Resend email.bounced: bounce.type and bounce.subType (resend.com/docs)';
const ses =
  'SES bounce types, which Resend passes on: docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html';

/**
 * Resend's bounce vocabulary. Resend runs on SES and passes on SES's `type/subType` names; a
 * suppression is Permanent/OnAccountSuppressionList, a delay DeliveryDelay (webhook.ts hintFor).
 */
export const resendBounceHints = bounceHints([
  ['Permanent/General', { category: 'unknown', class: 'hard', source: ses }],
  ['Permanent/NoEmail', { category: 'unknown-user', source: ses }],
  ['Permanent/Suppressed', { category: 'suppressed', source: ses }],
  ['Permanent/OnAccountSuppressionList', { category: 'suppressed', source: ses }],
  ['Transient/General', { category: 'temporary', source: ses }],
  ['Transient/MailboxFull', { category: 'mailbox-full', source: ses }],
  ['Transient/MessageTooLarge', { category: 'message-too-large', source: ses }],
  ['Transient/ContentRejected', { category: 'content', source: ses }],
  ['Transient/AttachmentRejected', { category: 'content', source: ses }],
  ['Transient/MessageRejected', { category: 'policy', source }],
  ['Temporary/MessageRejected', { category: 'policy', source }],
  ['Transient', { category: 'temporary', permanent: false, source: ses }],
  ['Temporary', { category: 'temporary', permanent: false, source }],
  ['Undetermined', { category: 'unknown', source: ses }],
  ['Permanent', { category: 'unknown', class: 'hard', permanent: true, source: ses }],
  ['DeliveryDelay', { category: 'temporary', permanent: false, source: ses }],
]);
