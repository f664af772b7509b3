import type { BounceClass } from '@relaykit/core';
import type { BounceCategory } from './categories.ts';

/**
 * One classification rule. Every condition given must hold; the first matching rule wins, so the
 * specific ones come first. `enhanced` is tested against the enhanced code ('' when there is
 * none), `basic` against the basic reply code as text, `text` against the diagnostic.
 */
export interface BounceRule {
  id: string;
  text?: RegExp;
  enhanced?: RegExp;
  basic?: RegExp;
  category: BounceCategory;
  /** Overrides the class the category implies (e.g. a sender throttle is a block, not soft). */
  class?: BounceClass;
  /** Where the rule comes from: its source. */
  source: string;
}

// Source shorthands: provider pages and the open-source rule sets (KumoMTA, Sisimai) they come from.
const gmail = 'Gmail support 3726730 / FAQ 14229414; Sisimai rhost google';
const microsoft = 'Sisimai rhost for-microsoft/for-outlook; KumoMTA community bounces.toml';
const yahoo = 'postmaster.yahooinc.com/error-codes; Sisimai for-yahooinc; KumoMTA community';
const apple = 'KumoMTA community shaping (Apple); support.apple.com HT204137';
const kumo = 'KumoMTA assets/community/bounces.toml';
const iana = 'IANA SMTP enhanced status codes (RFC 3463/5248); KumoMTA iana.toml';
const sisimai = 'Sisimai smtp/status/lib.go';
const blocklists = 'KumoMTA community (Spamhaus/CBL/ivmSIP); DNSBL reply texts';
const rfc7505 = 'RFC 7505 null MX; KumoMTA iana.toml';

/** Text rules: provider and MTA reply texts, most specific first. */
export const textRules: readonly BounceRule[] = [
  // The sender's own domain has a null MX (X.7.27): a configuration fault, never the recipient's domain.
  {
    id: 'sender-null-mx',
    text: /sender (?:address|domain) has (?:a )?null ?MX/iu,
    category: 'configuration',
    source: iana,
  },
  {
    id: 'provider-suppressed',
    text: /suppression list|previously (?:bounced|unsubscribed|complained)|has suppressed sending|marked as inactive|inactive recipient/iu,
    category: 'suppressed',
    source:
      'provider docs: SES OnAccountSuppressionList text, Mailgun 605 suppress-bounce, Postmark 406, Resend suppressed',
  },
  {
    id: 'null-mx-text',
    text: /null[ -]?MX\b|does not accept mail \(nullMX\)/iu,
    category: 'null-mx',
    source: rfc7505,
  },
  { id: 'null-mx-556', basic: /^556$/u, category: 'null-mx', source: rfc7505 },
  {
    id: 'dns-temporary',
    text: /(?:name service error|DNS|lookup)[^\n]{0,80}(?:try again|temporar|SERVFAIL|timed? ?out)/iu,
    category: 'dns',
    source: 'IANA X.4.3; Postfix "Host not found, try again"',
  },
  {
    id: 'sender-address-rejected',
    text: /sender address rejected|unresolvable RFC\.?5321 from domain|bad outbound sender/iu,
    category: 'configuration',
    source: `${yahoo} (InvalidSender); ${iana} X.1.7/X.1.8`,
  },
  {
    id: 'bad-domain',
    text: /find the recipient domain|domain (?:name )?(?:not found|does not exist|doesn't exist)|Host or domain name not found|NXDOMAIN|no MX (?:record|host)|unrouteable domain/iu,
    category: 'bad-domain',
    source: `${gmail} (553 5.1.2); ${sisimai} hostunknown`,
  },
  {
    id: 'mailbox-inactive',
    text: /OverQuotaPerm|storage space and inactive|DisabledUser|account closed|mailbox has moved|\b554\.30\b|\b(?:is|has been) (?:disabled|inactive|deactivated)\b|(?:mailbox|account|user) (?:is )?(?:disabled|deactivated|suspended)\b/iu,
    category: 'mailbox-disabled',
    source: `${gmail} (550 5.2.1, 552 OverQuotaPerm); ${kumo} InactiveMailbox (Yahoo 554.30, Comcast Account Closed)`,
  },
  {
    id: 'mailbox-full',
    text: /mailbox (?:is )?full|over ?quota|quota ?exceeded|out of storage space|mailbox size limit|exceeded storage allocation/iu,
    category: 'mailbox-full',
    source: `${gmail} (452 4.2.2 OverQuotaTemp); ${kumo} QuotaIssues; ${iana} X.2.2 "persistent transient"`,
  },
  {
    id: 'unknown-user',
    text: /does ?n[o']t exist|no such (?:user|mailbox|recipient|address)|user ?unknown|unknown (?:user|recipient)|recipient unknown|(?:user|recipient|mailbox) not found|RecipNotFound|RecipientNotFound|NoSuchUser|not our customer|invalid (?:recipient|mailbox)|user doesn't have an? \S+ account|address rejected: user|unrouteable address|bad destination mailbox/iu,
    category: 'unknown-user',
    source: `${gmail} (550 5.1.1 NoSuchUser); ${microsoft} (RecipNotFound); ${yahoo} (mailbox not found, dd This user doesn't have); ${kumo} InvalidRecipient`,
  },
  {
    // Exchange's 5.5.0/5.1.x "mailbox unavailable" is an unknown user; with 5.7.x it is a block.
    id: 'mailbox-unavailable',
    text: /mailbox unavailable/iu,
    enhanced: /^(?:|5\.5\.0|[45]\.1\.\d{1,3}|[45]\.0\.0)$/u,
    category: 'unknown-user',
    source: `${microsoft} (550 5.5.0 mailbox unavailable)`,
  },
  {
    id: 'recipient-rate',
    text: /receiving mail (?:too quickly|at a rate)|ReceivingRate/iu,
    category: 'rate-limit',
    source: `${gmail} (450 4.2.1, 550 5.2.1 ReceivingRatePerm); ${kumo} TransientFailure`,
  },
  {
    id: 'reputation',
    text: /unusual rate|low reputation|IP reputation|reputation of the sending|\[(?:TSS?|IPTS)\d+\]|permanently deferred|deferred due to (?:unexpected volume|user complaints)|\(S775\)|Access denied, please try again later|traffic not accepted from this IP|\[HCM\d+\]/iu,
    category: 'reputation',
    source: `${gmail} (421 4.7.28, 421 4.7.0 low reputation); ${yahoo} (TSS04/TSS09/IPTS04); ${microsoft} (4.7.650 S775, 5.7.708); ${apple}`,
  },
  {
    id: 'blocklist',
    text: /spamhaus|barracuda|spamcop|abuseat|\bCBL\b|sorbs|uceprotect|invaluement|ivmSIP|psbl|surriel|mailspike|spam-?rats|dnsbl|\bRBL\b|bl(?:ock|ack) ?list|banned sending IP|banned sender|\(S3150\)|\[BL\d+\]|listed (?:in|at|on|by)\b/iu,
    category: 'blocklist',
    source: `${blocklists}; ${microsoft} (S3150, 5.7.511, 5.7.606); ${yahoo} ([BL21])`,
  },
  {
    id: 'authentication',
    text: /\bDMARC\b|\bSPF\b|\bDKIM\b|unauthenticated|authentication (?:level|requirements)|PTR record|reverse DNS|\brDNS\b|5322\.From|\baligned\b/iu,
    category: 'authentication',
    source: `${gmail} (4.7.26/.27/.30/.32, 5.7.25/.26); ${microsoft} (5.7.509, 5.7.515); ${yahoo} (550 5.7.9 unauthenticated)`,
  },
  {
    id: 'content',
    text: /likely unsolicited|nature of the content|potential security issue|content (?:rejected|filter)|spam content|rejected as spam|identified as spam|looks like spam|message content|virus|malware|prohibited attachment|attachment (?:not allowed|blocked|rejected)/iu,
    category: 'content',
    source: `${gmail} (550 5.7.1 likely unsolicited, 552 5.7.0 security issue); ${kumo} SpamContent (iCloud, QQ)`,
  },
  {
    id: 'message-too-large',
    text: /size limits?|message (?:size|length) exceeds|exceeds? (?:the )?(?:fixed )?maximum (?:message )?size|too (?:large|big)/iu,
    category: 'message-too-large',
    source: `${gmail} (552 5.2.3); ${iana} X.2.3, X.3.4`,
  },
  {
    id: 'configuration',
    text: /TLS connection|requires? TLS|REQUIRETLS|relay(?:ing)? (?:access )?(?:denied|not permitted)|TenantAttribution/iu,
    category: 'configuration',
    source: `${gmail} (4.7.29 TLS); ${microsoft} (5.7.64 TenantAttribution); ${kumo} RelayDenied`,
  },
  {
    id: 'too-many-recipients',
    text: /too many recipients/iu,
    category: 'too-many-recipients',
    source: `${iana} X.5.3; KumoMTA lib.rs`,
  },
  {
    // Throttling of the sending IP or domain: the recipient is fine, the sender must slow down.
    id: 'sender-throttle',
    text: /server busy|\[BS\d+\]|\bRL0{3,}\d*\b|rate limit/iu,
    category: 'rate-limit',
    class: 'block',
    source: `${microsoft} (451 4.7.500 Server busy); KumoMTA shaping.toml (Comcast RL0000, Apple BS02)`,
  },
  {
    id: 'connection-limit',
    text: /max(?:imum)? (?:number of )?messages? per connection|too many (?:connections|messages)|exceeded the maximum number of connections/iu,
    category: 'rate-limit',
    source: `${yahoo} (421 Max message per connection); ${kumo} community shaping`,
  },
  {
    id: 'policy',
    text: /\bpolicy\b|not authori[sz]ed|access denied|\[(?:PH|CS|HM)\d+\]/iu,
    category: 'policy',
    source: `${yahoo} (554 5.7.9 policy reasons, PH01); ${apple} (CS01, HM08); ${kumo} PolicyRelated`,
  },
  {
    id: 'temporary',
    text: /gr[ae]y-?list|try again later|temporar(?:il)?y (?:unavailable|deferred|failure|rejected)|resources? temporarily|temporary (?:server|system|local) (?:error|problem)/iu,
    category: 'temporary',
    source: `${kumo} TransientFailure; KumoMTA shaping.toml (Mimecast, Outlook)`,
  },
  {
    id: 'timeout',
    text: /timed? ?out|timeout|no answer|connection (?:refused|reset)|lost connection|network is unreachable/iu,
    category: 'timeout',
    source: `${iana} X.4.1/X.4.2 NoAnswerFromHost/BadConnection`,
  },
  {
    id: 'expired',
    text: /too old|expired|exceeded max(?:imum)? time|retry (?:time|timeout) exceeded|giving up/iu,
    category: 'expired',
    source: `${iana} X.4.7; Mailgun "Too old" (Mailgun failed-event reasons)`,
  },
];

/** Enhanced status code rules (the IANA layer), used when no text rule matched. */
export const enhancedRules: readonly BounceRule[] = [
  { id: 'x.1.1', enhanced: /^[45]\.1\.(?:1|3|4)$/u, category: 'unknown-user', source: iana },
  // Microsoft sends 550 5.1.10 for "recipient not found"; a null MX is only recognised by 556 or its text.
  {
    id: 'x.1.10',
    enhanced: /^[45]\.1\.10$/u,
    category: 'unknown-user',
    source: `${iana}; ${microsoft}`,
  },
  { id: 'x.1.2', enhanced: /^[45]\.1\.2$/u, category: 'bad-domain', source: iana },
  { id: 'x.1.6', enhanced: /^[45]\.1\.6$/u, category: 'mailbox-disabled', source: iana },
  { id: 'x.1.7', enhanced: /^[45]\.1\.[78]$/u, category: 'configuration', source: iana },
  {
    id: 'x.2.1',
    enhanced: /^[45]\.2\.1$/u,
    category: 'mailbox-disabled',
    source: `${iana}; ${kumo} InactiveMailbox`,
  },
  { id: 'x.2.2', enhanced: /^[45]\.2\.2$/u, category: 'mailbox-full', source: iana },
  { id: 'x.2.3', enhanced: /^[45]\.(?:2\.3|3\.4)$/u, category: 'message-too-large', source: iana },
  { id: 'x.2.4', enhanced: /^[45]\.2\.4$/u, category: 'unknown-user', source: iana },
  { id: 'x.3', enhanced: /^[45]\.3\.\d{1,3}$/u, category: 'temporary', source: iana },
  { id: 'x.4.1', enhanced: /^[45]\.4\.[12]$/u, category: 'timeout', source: iana },
  { id: 'x.4.3', enhanced: /^[45]\.4\.3$/u, category: 'dns', source: iana },
  {
    id: 'x.4.4',
    enhanced: /^[45]\.4\.4$/u,
    category: 'bad-domain',
    source: `${sisimai} (5.4.4 hostunknown)`,
  },
  { id: 'x.4.7', enhanced: /^[45]\.4\.7$/u, category: 'expired', source: iana },
  { id: 'x.4', enhanced: /^[45]\.4\.\d{1,3}$/u, category: 'temporary', source: iana },
  { id: 'x.5.3', enhanced: /^[45]\.5\.3$/u, category: 'too-many-recipients', source: iana },
  { id: 'x.7.13', enhanced: /^[45]\.7\.1[37]$/u, category: 'mailbox-disabled', source: iana },
  { id: 'x.7.18', enhanced: /^[45]\.7\.18$/u, category: 'bad-domain', source: iana },
  {
    id: 'x.7.auth',
    enhanced: /^[45]\.7\.(?:2[0-6]|3[0-2]|40|5(?:09|15))$/u,
    category: 'authentication',
    source: `${iana} X.7.20–26; ${gmail}; ${microsoft}`,
  },
  // IANA X.7.27 is "sender address has null MX"; Gmail reuses 4.7.27 for SPF, caught by the text rules.
  { id: 'x.7.27', enhanced: /^[45]\.7\.27$/u, category: 'configuration', source: iana },
  { id: 'x.7.28', enhanced: /^[45]\.7\.28$/u, category: 'reputation', source: `${iana}; ${gmail}` },
  { id: 'x.7.29', enhanced: /^[45]\.7\.29$/u, category: 'configuration', source: gmail },
  {
    id: 'x.7.6xx',
    enhanced: /^[45]\.7\.6\d\d$/u,
    category: 'blocklist',
    source: `${microsoft} (5.7.606–649 banned IP)`,
  },
  {
    id: 'x.7.5xx',
    enhanced: /^[45]\.7\.[5789]\d\d$/u,
    category: 'reputation',
    source: `${microsoft} (4.7.500–699, 4.7.850–899)`,
  },
  {
    id: 'x.7',
    enhanced: /^[45]\.7\.\d{1,3}$/u,
    category: 'policy',
    source: `${iana} X.7.1 "says nothing about the recipient"`,
  },
];

/** Enhanced codes that settle a 5xx as hard whatever the text says (Sisimai's hard set). */
export const decisiveHard = new Set(['5.1.1', '5.1.2', '5.1.3', '5.1.6', '5.1.10']);
