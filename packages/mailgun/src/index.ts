export { mailgun } from './provider.ts';
export type { MailgunOptions, MailgunClient, ReplayStore, ClickTracking } from './options.ts';
export {
  toMailgunMessage,
  toMailgunBatch,
  normalizeMessageId,
  batchMemberId,
  maxTags,
  type ConvertOptions,
} from './convert.ts';
export {
  mapMailgunError,
  isMailgunApiError,
  networkCode,
  type MailgunErrorLike,
} from './errors.ts';
export {
  signMailgun,
  verifyMailgunSignature,
  parseMailgunEvents,
  parseMailgunDelivery,
  mailgunWebhook,
  eventTypes,
  type MailgunSignature,
  type MailgunWebhookOptions,
} from './webhook.ts';
export { mailgunBounceHints } from './bounce-hints.ts';
