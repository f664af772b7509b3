export { ses, type SesProvider } from './provider.ts';
export type { ListManagement, PerMessage, SesOptions, SesWebhookOptions } from './options.ts';
export {
  toSendEmailInput,
  toBulkInput,
  bulkKey,
  simpleContentBlocker,
  type SendSettings,
} from './convert.ts';
export { toSesError, bulkEntryError } from './errors.ts';
export { buildMime, encodeWords, type MimeOptions } from './mime.ts';
export {
  createSesWebhook,
  parseSesEvent,
  type ParseSesEventOptions,
  type SesWebhookSettings,
} from './webhook.ts';
export {
  checkSnsUrl,
  createSnsVerifier,
  fetchCertificateOverHttps,
  parseEnvelope,
  snsHostPattern,
  stringToSign,
  type SnsEnvelope,
  type SnsType,
  type SnsVerifier,
  type SnsVerifierOptions,
} from './sns.ts';
export {
  decodeTagValue,
  encodeTagValue,
  fromMailTags,
  sanitizeTagName,
  toEmailTags,
} from './tags.ts';
export { sesBounceHints } from './bounce-hints.ts';
export { sesAccountHealth } from './account-health.ts';
