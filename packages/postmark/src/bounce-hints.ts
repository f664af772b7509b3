import { bounceHints } from '@relaykit/core/adapter';

const source =
  'Postmark bounce types: postmarkapp.com/developer/api/bounce-api, postmark SDK BounceType enum';

/** Postmark's bounce vocabulary: a bounce's `Type`. */
export const postmarkBounceHints = bounceHints([
  ['HardBounce', { category: 'unknown-user', permanent: true, source }],
  ['SoftBounce', { category: 'temporary', permanent: false, source }],
  ['Transient', { category: 'temporary', permanent: false, source: `${source} (delayed)` }],
  ['DnsError', { category: 'dns', source }],
  [['SpamNotification', 'VirusNotification'], { category: 'content', source }],
  ['Blocked', { category: 'policy', source }],
  ['DMARCPolicy', { category: 'authentication', source }],
  ['BadEmailAddress', { category: 'unknown-user', source }],
  ['SpamComplaint', { category: 'complaint', source }],
  ['ManuallyDeactivated', { category: 'suppressed', source }],
  ['InactiveRecipientsError', { category: 'suppressed', source: `${source} (406 inactive)` }],
  [['AutoResponder', 'ChallengeVerification'], { category: 'auto-reply', source }],
  [['SMTPApiError', 'TemplateRenderingFailed'], { category: 'configuration', source }],
  ['Unknown', { category: 'unknown', source }],
]);
