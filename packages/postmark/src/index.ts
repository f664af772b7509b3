export { postmark, maxBatchSize } from './provider.ts';
export {
  defaultMessageStream,
  defaultSecretHeader,
  trackLinksModes,
  type PostmarkClient,
  type PostmarkOptions,
  type PostmarkWebhookOptions,
  type TrackLinks,
} from './options.ts';
export { messageIdKey, tagsKey, toPostmarkMessage, type PostmarkMessage } from './convert.ts';
export { parseInactiveRecipients, toPostmarkRelayError } from './errors.ts';
export { parsePostmarkWebhook, verifyPostmarkWebhook } from './webhook.ts';
export { postmarkBounceHints } from './bounce-hints.ts';
