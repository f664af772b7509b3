export { resend } from './provider.ts';
export type { ResendOptions } from './options.ts';
export {
  toResendEmail,
  toResendTags,
  sanitizeTag,
  encodeTagValue,
  decodeTagValue,
  type ResendTag,
} from './convert.ts';
export { mapResendError, type ResendErrorLike } from './errors.ts';
export {
  verifySvix,
  signSvix,
  parseResendEvents,
  resendWebhook,
  eventTypes,
  type ResendWebhookOptions,
} from './webhook.ts';
export { resendBounceHints } from './bounce-hints.ts';
