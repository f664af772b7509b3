import type { BounceClass } from '../events.ts';
import type { BounceCategory } from './categories.ts';

/**
 * One classification rule. Every condition given must hold; the first matching rule of a table
 * wins, so the specific ones come first. `enhanced` is tested against the enhanced code ('' when
 * there is none), `basic` against the basic reply code as text ('' when none), `text` against the
 * diagnostic.
 */
export interface BounceRule {
  id: string;
  text?: RegExp;
  enhanced?: RegExp;
  basic?: RegExp;
  category: BounceCategory;
  /** Overrides the class the category implies (e.g. a sender throttle is a block, not soft). */
  class?: BounceClass;
  /**
   * A generic wording ("rejected", "access denied", "try again later"): it decides only when the
   * enhanced code says nothing specific (none, X.0.0, X.7.0, X.7.1 ...).
   */
  weak?: boolean;
  /** Where the wording or the code comes from (public documentation or source). */
  source: string;
}

// Public sources; packages/core/src/bounce/corpus/replies.txt quotes real replies from each.
const rfc3463 = 'RFC 3463 §3 and the IANA SMTP Enhanced Status Codes registry (RFC 5248)';
const rfc5321 = 'RFC 5321 §4.2.2-4.2.3';
const rfc7504 = 'RFC 7504 §3 (521, 556)';
const rfc7505 = 'RFC 7505 §4 (null MX: 556 5.1.10 / 550 5.7.27)';
const postfix = 'Postfix src/smtpd/smtpd_check.c, src/smtp/smtp_proto.c, src/smtp/smtp_connect.c';
const exim = 'Exim src/src/deliver.c, src/src/transports/smtp.c, src/src/configure.default';
const sendmail = 'sendmail 8 srvrsmtp.c / deliver.c messages';
const qmail = 'qmail-1.03 qmail-remote.c / qmail-local.c messages';
const exchange =
  'learn.microsoft.com Exchange Online "Email non-delivery reports and SMTP errors" (per-code NDR pages)';
const outlook = 'Outlook.com postmaster troubleshooting (sendersupport.olc.protection.outlook.com)';
const gmail = 'Gmail SMTP error reference, support.google.com/a/answer/3726730';
const yahoo = 'Yahoo SMTP error codes, senders.yahooinc.com/smtp-error-codes';
const apple = 'Postmaster information for iCloud Mail, support.apple.com/102322';
const domino = 'HCL Domino router messages ("not listed in Domino Directory")';
const mimecast = 'Mimecast SMTP error codes (community.mimecast.com DOC-1369)';
const qq = 'QQ Mail bounce codes, service.mail.qq.com help 20022';
const ses = 'Amazon SES developer guide: SMTP response codes, sandbox, suppression list';
const providers =
  'SES suppression list text, Mailgun suppress-* reasons, Postmark 406, SendGrid suppressions';
const dnsbl =
  'Spamhaus, SpamCop, SORBS, UCEPROTECT, Barracuda Central, Proofpoint ipcheck reject texts';

const sender =
  /sender address rejected|domain of sender address|sender (?:domain|address)(?: of '[^']*')? (?:does not|doesn't|must) (?:exist|resolve)|sender'?s domain does not exist|envelope sender (?:domain must exist|is in my badmailfrom)|unrout(?:e)?able sender|sender verify failed|verification failed for <|unable to verify sender|invalid sender|bad outbound sender|\bsender (?:rejected|denied)\b|from:? domain is invalid|unresolvable RFC\.?5321 from domain|NULL sender is not allowed|fully qualified sender|RESOLVER\.RST\.(?:AuthRequired|NotAuthorized|SenderNotAuthenticated)|SMTP auth(?:entication)?\b|authentication (?:is )?required|authentication credentials invalid|authentication unsuccessful|not authenticated to send|Username and Password not accepted|auth error|permissions? to send as|unregistered domains|Invalid credentials for relay|Mail relay denied|the sender address\b.{0,80}not a valid|sender (?:address |domain )?(?:is )?invalid|same as authoriz(?:ation|ed) user|MAIL FROM domain|envelope (?:sender|from) domain|from:? ?domain must (?:resolve|exist)|(?:domain|address) (?:in|of) (?:your |the )?(?:From|sender|envelope)\b/iu;

/** Text rules: reply wordings, most specific first. A text rule beats the codes unless it is weak. */
export const textRules: readonly BounceRule[] = [
  {
    id: 'provider-suppressed',
    text: /suppression list|previously (?:bounced|unsubscribed|complained)|has suppressed sending|marked as inactive|inactive recipient|not delivering to|^(?:bounced|unsubscribed|spam reporting) address$/iu,
    category: 'suppressed',
    source: providers,
  },
  // The sender's own domain publishes a null MX (X.7.27): the sending setup, never the recipient.
  {
    id: 'sender-null-mx',
    text: /sender (?:address|domain) has (?:a )?null ?MX/iu,
    category: 'sender',
    source: rfc7505,
  },
  {
    id: 'sender-identity',
    text: /email address is not verified|identities failed the check|not a sender signature|does not match a verified sender identity|sending paused for this account/iu,
    category: 'sender',
    source: `${ses}; Postmark sender signatures; SendGrid sender identity`,
  },
  {
    id: 'relay-denied',
    text: /relay(?:ing)? (?:access )?(?:denied|not permitted)|unable to relay|not configured to relay|in my list of allowed rcpthosts|TenantAttribution|non-accepted domain|authentication is required for relaying|does not allow external forwarding|unauthori[sz]ed relay/iu,
    category: 'configuration',
    source: `${postfix} (Relay access denied); ${exim} (relay not permitted); ${qmail} (rcpthosts); ${exchange} (5.7.54, 5.7.64, 5.4.1 ATTR35)`,
  },
  {
    id: 'sender',
    text: sender,
    category: 'sender',
    source: `${rfc3463} X.1.7/X.1.8; ${postfix} (Sender address rejected); ${sendmail} (Domain of sender address does not exist); ${exim} (Sender verify failed); ${exchange} (5.1.8 bad outbound sender, 5.7.57, 5.7.60, 5.7.750); ${gmail} (5.7.0 authentication required)`,
  },
  {
    id: 'tls-required',
    text: /TLS (?:is )?required|requires? TLS|STARTTLS|REQUIRETLS|not sent over a TLS|refused to start TLS/iu,
    category: 'configuration',
    source: `${gmail} (4.7.29, 5.7.0 Must issue a STARTTLS); ${postfix} (TLS is required)`,
  },
  {
    id: 'null-mx',
    text: /null ?MX\b|MX indicates no SMTP service|(?:host|domain) does not accept mail/iu,
    category: 'null-mx',
    source: `${rfc7505}; ${rfc7504}`,
  },
  {
    // Answers that may change: a resolver failure is not a proof that the domain does not exist.
    id: 'dns-temporary',
    text: /name service error[^\n]{0,120}(?:malformed|try again|SERVFAIL|timed? ?out|refused)|host not found, try again|lookup failed temporarily|temporar\w* DNS|DNS[^\n]{0,60}(?:temporar|SERVFAIL|try again|ErrorRetry|timed? ?out)|\(SERVFAIL\)|no MX found|unable to resolve MX|host lookup did not complete|host name lookup failure|MxLoopback|configured in a loop|did not accept our requests to connect/iu,
    category: 'dns',
    class: 'soft',
    source: `${postfix} (Host not found, try again); ${exim} (host lookup did not complete); ${exchange} (4.4.0 DNS query failed)`,
  },
  {
    id: 'helo',
    text: /Helo command rejected|say HELO first|(?:HELO|EHLO) (?:host ?name|name|domain|argument)|invalid (?:HELO|EHLO)/iu,
    category: 'protocol',
    source: postfix,
  },
  {
    id: 'bad-domain',
    text: /find the recipient domain|couldn't find any host (?:named|by that name)|host or domain name not found|\bhost not found\b|host unknown|NXDOMAIN|NonExistentDomain|InfoDomainNonexistent|DNSRecordNotFound|no such domain|unrout(?:e)?able (?:mail )?domain|MX records point to non-existent hosts|address lookups failed permanently|no MX record|couldn't find a mail exchanger|DNS lookup failure|\bdomain (?:name )?(?:\S+ )?(?:not found|does not exist|doesn't exist)/iu,
    category: 'bad-domain',
    source: `${gmail} (553 5.1.2); ${postfix} (Domain not found, Host not found); ${exim} (unrouteable mail domain); ${qmail} (#5.1.2); ${exchange} (5.4.310 DNS domain does not exist)`,
  },
  // A negation is not a listing: Domino says "not listed in Domino Directory" for an unknown user.
  {
    id: 'unknown-user-directory',
    text: /not listed in (?:the )?(?:Domino Directory|public Name (?:&|and) Address Book)|unable to locate mail file|recipient name is not recognized/iu,
    category: 'unknown-user',
    source: `${domino}; Exchange Server DSN "The recipient name is not recognized"`,
  },
  // Exchange Online's directory-based edge blocking answers an unknown mailbox with 5.4.1.
  {
    id: 'exchange-dbeb',
    text: /(?:recipient|all recipient) address(?:es)? rejected ?: Access denied/iu,
    enhanced: /^5\.4\.1$/u,
    category: 'unknown-user',
    source: `${exchange} (550 5.4.1 Recipient address rejected: Access denied, AS(201806281))`,
  },
  {
    id: 'mailbox-disabled',
    text: /storage space and inactive|DisabledUser|\b554\.30\b|\b(?:is|has been|was) (?:disabled|inactive|deactivated|suspended|locked|frozen)\b|(?:mailbox|account|user|addressee)(?: is)? (?:disabled|deactivated|suspended|inactive|closed|locked|frozen)\b|account (?:has been )?(?:closed|locked|frozen|expired)|maintenance mode|disabled or discontinued|mailbox disabled|inactive (?:user|account|mailbox)|inactivity|(?:mailbox|address|account|user)\b[^.;]{0,30}no longer (?:in use|active|valid|exists?|available|accepted)|(?:account|user|mailbox) (?:has been |is |was )?terminated/iu,
    category: 'mailbox-disabled',
    source: `${gmail} (5.2.1 DisabledUser, 5.2.2 OverQuotaPerm); ${yahoo} (554.30 disabled); Comcast "Account Closed"; ${qq} (Mailbox is frozen); Zimbra "account is locked"`,
  },
  {
    id: 'mailbox-full',
    text: /mail ?box (?:is )?full|mailbox for user is full|boite du destinataire pleine|over ?(?:the allowed )?quota|(?<!(?:email|message|sending|daily|recipient|connection) )quota (?:exceeded|exceeds)|QuotaExceeded|exceeded (?:its |their )?storage allocation|out of storage space|mailbox size limit|mail file is full|mail ?folder is (?:full|over)|\bmailbox full\b|over (?:its |his |her |their )quota|quota usage exceeded|mailbox (?:size )?(?:limit )?exceeded|mailbox[^.;]{0,20}exceeds (?:the )?(?:allowed|maximum) size|(?:space|storage) not enough|not enough (?:storage|disk)? ?space|exceeded (?:its |his |her |their )?(?:storage |disk |mailbox )quota/iu,
    category: 'mailbox-full',
    source: `${gmail} (452 4.2.2 OverQuotaTemp); ${exim} (mailbox is full, maildir quota exceeded); ${qmail} (over the allowed quota); ${domino} (mail file is full); ${exchange} (QuotaExceededException)`,
  },
  {
    id: 'recipient-rate',
    text: /receiving mail (?:too quickly|at a rate)|ReceivingRate|message receive limit|ratelimit exceeded for mailbox/iu,
    category: 'rate-limit',
    source: `${gmail} (450 4.2.1, 550 5.2.1 ReceivingRatePerm); ${exchange} (5.2.121, 5.2.122); Mail.ru "Ratelimit exceeded for mailbox"`,
  },
  {
    id: 'blocklist',
    text: /spamhaus|barracuda ?(?:reputation|central)|barracudacentral|spamcop|abuseat|\bCBL\b|sorbs|uceprotect|invaluement|ivmSIP|psbl|surriel|mailspike|spam-?rats|\bDNSBLs?\b|\bRBL\b|bl(?:ock|ack) ?list|banned sending IP|banned sender|\(S3150\)|\[BL\d+\]|#BL\d+|CXBL|is_blocked|blocked using|(?<!not )(?:is |are )?listed (?:in|at|on|by)\b/iu,
    category: 'blocklist',
    source: `${dnsbl}; ${outlook} (S3150); ${exchange} (5.7.511, 5.7.606); ${yahoo} ([BL21]); Comcast BL000000`,
  },
  {
    id: 'reputation',
    text: /unusual rate|low reputation|poor reputation|IP reputation|reputation of the sending|\[(?:TSS?|IPTS)\d+\]|permanently deferred|deferred due to (?:unexpected volume|user complaints)|\(S775\)|Access denied, please try again later|traffic not accepted from this IP|\[HCM\d+\]|spam abuse|exceeded threshold|exceeded the sending limits|hostile sender|spam sender|temporarily blocked|service refused|service refuse\b|refused to talk to me|blocked for abuse|dynamically-assigned IP|rejected by recipients|\bMI:(?:SFQ|IMF)\b|\bRP:(?:CEL|TRC|QRC)\b|\bDYN:T\d\b|\bRLY:B\d\b|\bSC-00\d\b|\bRP-00\d\b|\bDY-00\d\b|\bRTR:[A-Z]+\b|AUP#CXRCPT|A problem occurred\. \(Ask your postmaster|Spam Policy|IP is blocked|\breputation\b|too many (?:invalid|bad|unknown) recipients/iu,
    category: 'reputation',
    source: `${gmail} (4.7.28, 4.7.0 low reputation); ${yahoo} (TSS04, TSS09, IPTS04); ${outlook} (S775, SC-, RP-, DY- codes); ${exchange} (5.7.501, 5.7.705, 5.7.708); ${mimecast} (Hostile sender); NetEase MI:SFQ; Orange "Service refused"`,
  },
  {
    id: 'authentication',
    text: /\bDMARC\b|\bSPF\b|\bDKIM\b|Sender Policy Framework|unauthenticated|authentication (?:level|requirements|checks)|\bPTR\b|reverse (?:DNS|hostname)|\brDNS\b|mismatches client IP|cannot find your (?:reverse )?hostname|5322\.From|\baligned\b|\bRDNS:/iu,
    category: 'authentication',
    source: `${gmail} (4.7.23, 4.7.26-4.7.32, 5.7.25); ${exchange} (5.7.509, 5.7.515, 4.7.26); ${yahoo} (550 5.7.9 unauthenticated); ${postfix} (cannot find your hostname)`,
  },
  {
    id: 'sender-throttle',
    text: /server busy|\[BS\d+\]|\bRL0{3,}\d*\b|rate limit|frequency limited|sending rate|too many (?:connections|concurrent|messages from)|trop de connexions|Throttl|max(?:imum)? (?:number of )?messages? per connection|exceeded the (?:maximum number of connections|connection limit)|relay limit exceeded|quota exceeded|daily limit|this hour|messages allowed per hour|too many recipients from|AUP#CXCNCT/iu,
    // Gmail's 4.4.5 "Server busy, try again later" is the server's own load: left to the network rule.
    enhanced: /^(?!4\.4\.)/u,
    category: 'rate-limit',
    class: 'block',
    source: `${outlook} (4.7.500 Server busy); ${qq} (Ip frequency limited); ${postfix} (too many connections from); ${ses} (Throttling failure); Comcast RL000001; Apple BS02`,
  },
  {
    id: 'spoofing',
    text: /spoof/iu,
    category: 'policy',
    source: `${mimecast} (Anti-Spoofing policy); Barracuda "rejecting spoofed message"`,
  },
  {
    id: 'content',
    text: /likely unsolicited|nature of the content|security (?:issue|risk)|content (?:rejected|denied|filter|restrictions)|spam|virus|malware|prohibited|illegal attachment|attachment|filtered|harmful|DT:SPM|Eicar|scored too high/iu,
    category: 'content',
    source: `${gmail} (550 5.7.1 likely unsolicited, 552 5.7.0 security issue); ${exim} (classified as SPAM); ${qq} (Mail content denied); Yandex "suspicion of SPAM"`,
  },
  {
    id: 'message-too-large',
    text: /size limits?|(?:message |mail)?size exceeds|length exceeds|exceeds? (?:the )?(?:fixed )?(?:maximum|max)|exceeded (?:maximum size|mailsize limit|google's (?:message|line))|too (?:large|big)|databytes|lines? (?:too long|length limits?|limit exceeded)|SizeLimit/iu,
    category: 'message-too-large',
    source: `${gmail} (552 5.2.3, 5.3.4 header size); ${postfix} (Message size exceeds fixed limit); ${exim} (lines too long); ${rfc3463} X.2.3, X.3.4`,
  },
  {
    id: 'too-many-recipients',
    text: /too many recipients/iu,
    category: 'too-many-recipients',
    source: `${rfc3463} X.5.3; ${gmail} (452 4.5.3)`,
  },
  {
    id: 'expired',
    text: /retry timeout exceeded|failing for a long time|retry time not reached|queue too long|message expired|QUEUE\.Expired|time expired|message delayed|could not send message for|cannot send message for|\bexpired\b|too old|could not be delivered for \d+ (?:days|hours)|has been (?:queued|delayed|undeliverable) for/iu,
    category: 'expired',
    source: `${exim} (retry timeout exceeded, failing for a long time); ${qmail} (in the queue too long); ${sendmail} (Cannot send message for 5 days); ${exchange} (5.4.300, 4.4.7)`,
  },
  {
    id: 'protocol',
    text: /sequence of commands|improper sequence|header error|syntax error|command unrecognized|not implemented|invalid command|need MAIL|MAIL first|RCPT first|nested MAIL|need MAIL before RCPT|command pipelining|synchroni[sz]ation error|bare linefeeds|lone CR or LF|NUL characters|corrupt message|invalid MIME|malformed|RFC ?5322 compliant|not RFC compliant|invalid header|8-?bit data|non-ASCII|SMTPUTF8|unrecognized authentication type|cannot decode|conversion (?:failed|required)|unsupported option|smtplf|multi-recipient bounce|no valid recipients|missing final '@domain'|media not supported/iu,
    category: 'protocol',
    source: `${rfc5321} (500-504); ${rfc3463} X.5.x, X.6.x; ${postfix} (need MAIL command, pipelining); ${exim} (synchronization error); ${exchange} (5.6.0, 5.6.11)`,
  },
  {
    // A malformed address: a specific enhanced code (5.1.1, 5.1.3) says whose.
    id: 'bad-address-syntax',
    text: /invalid (?:domain name|address)|illegal address/iu,
    category: 'protocol',
    weak: true,
    source: `${rfc3463} X.5.4; ${exchange} (501 5.5.4 Invalid Address); ${ses} (Illegal address)`,
  },
  {
    id: 'unknown-user',
    text: /does ?n[o']t exist|no such (?:user|mailbox|recipient|address)|user ?unknown|unknown (?:user|recipient)|user is unknown|addressee unknown|recipient unknown|mailbox unknown|(?:user|recipient|mailbox|account) not found|not found by SMTP address lookup|RecipNotFound|RecipientNotFound|RecipientInvalid|has moved or been deleted|RESOLVER\.ADR\.Ambiguous|NoSuchUser|not our customer|invalid (?:recipient|mailbox)|destinataire invalide|user doesn't have an? \S+ account|unrout(?:e)?able address|bad destination mailbox|no mailbox here|I cannot deliver mail for|illegal alias|user not local|couldn't be found|not a valid RFC ?5321 address|unknown local[- ]part|unknown (?:address|mailbox)|address unknown|(?:mailbox|address|recipient) is not valid|no such person|not a valid (?:mailbox|user|recipient)|bad recipient|is not a known user/iu,
    category: 'unknown-user',
    source: `${gmail} (550 5.1.1 NoSuchUser); ${exchange} (RecipNotFound, 5.1.10 RecipientNotFound); ${yahoo} (dd This user doesn't have); ${postfix} (User unknown in local recipient table); ${qmail} (no mailbox here by that name); ${exim} (Unrouteable address); ${mimecast} (Invalid Recipient)`,
  },
  {
    id: 'mailbox-unavailable-or-denied',
    text: /mailbox unavailable or access denied/iu,
    category: 'policy',
    source: 'SmarterMail "Mailbox unavailable or access denied"',
  },
  {
    // Exchange, Outlook.com and GMX answer an unknown mailbox with RFC 5321's 550 text.
    id: 'mailbox-unavailable',
    text: /mailbox (?:is )?(?:unavailable|not available)/iu,
    enhanced: /^(?:|5\.5\.0|5\.1\.\d{1,3}|5\.[02]\.0)$/u,
    basic: /^5/u,
    category: 'unknown-user',
    source: `${outlook} (550 5.5.0 mailbox unavailable); ${rfc5321} (550)`,
  },
  {
    id: 'network',
    text: /connection (?:refused|reset|timed out|dropped)|timed? ?out|no route to host|network is unreachable|lost connection|establish an SMTP connection|failed to connect|socket error|winsock|loops? back to myself|routing loop|mail loop|is looping|hop count exceeded|too many hops|too many "?received|no route found|no answer from host|bad connection|server busy|not accepting connections|connection (?:closed|lost)/iu,
    category: 'network',
    source: `${postfix} (connect to ...: Connection refused, loops back to myself); ${exim} (too many hops); ${sendmail} (Too many hops); ${exchange} (5.4.14 hop count exceeded, 4.4.316)`,
  },
  {
    id: 'temporary',
    text: /gr[ae]y-?list|try (?:again )?later|temporar|resources? temporarily|insufficient (?:system storage|disk space)|local (?:error|problem)|come back later|mailbox (?:is )?busy/iu,
    category: 'temporary',
    class: 'soft',
    weak: true,
    source: `${rfc5321} (451, 452); ${postfix} (Greylisted, Insufficient system storage); ${mimecast} (451 Internal resource temporarily unavailable)`,
  },
  {
    id: 'policy',
    text: /\bpolic(?:y|ies)\b|not authori[sz]ed|access denied|administrative prohibition|envelope blocked|\bblocked\b|\brejected\b|\brefused\b|\bdenied\b|(?<!name )not allowed|not permitted|no access|\[(?:PH|CS|HM)\d+\]/iu,
    category: 'policy',
    weak: true,
    source: `${yahoo} (554 5.7.9 policy reasons, PH01); ${apple} (CS01, HM08); ${mimecast} (envelope blocked); ${rfc3463} X.7.1`,
  },
];

/** Enhanced status code rules (the IANA layer), used when no text rule decided. */
export const enhancedRules: readonly BounceRule[] = [
  { id: 'x.1.1', enhanced: /^[45]\.1\.(?:1|3|4)$/u, category: 'unknown-user', source: rfc3463 },
  { id: 'x.1.2', enhanced: /^[45]\.1\.2$/u, category: 'bad-domain', source: rfc3463 },
  { id: 'x.1.6', enhanced: /^[45]\.1\.6$/u, category: 'mailbox-disabled', source: rfc3463 },
  { id: 'x.1.7', enhanced: /^[45]\.1\.[78]$/u, category: 'sender', source: rfc3463 },
  // X.1.10 is "recipient address has null MX"; Microsoft's "RecipientNotFound" text is caught above.
  { id: 'x.1.10', enhanced: /^[45]\.1\.10$/u, category: 'null-mx', source: rfc7505 },
  { id: 'x.2.1', enhanced: /^[45]\.2\.1$/u, category: 'mailbox-disabled', source: rfc3463 },
  { id: 'x.2.2', enhanced: /^[45]\.2\.2$/u, category: 'mailbox-full', source: rfc3463 },
  {
    id: 'x.2.3',
    enhanced: /^[45]\.(?:2\.3|3\.4)$/u,
    category: 'message-too-large',
    source: rfc3463,
  },
  { id: 'x.2.4', enhanced: /^[45]\.2\.4$/u, category: 'unknown-user', source: rfc3463 },
  { id: 'x.3', enhanced: /^[45]\.3\.\d{1,3}$/u, category: 'temporary', source: rfc3463 },
  { id: 'x.4.3', enhanced: /^[45]\.4\.[34]$/u, category: 'dns', source: rfc3463 },
  { id: 'x.4.7', enhanced: /^[45]\.4\.7$/u, category: 'expired', source: rfc3463 },
  { id: 'x.4', enhanced: /^[45]\.4\.\d{1,3}$/u, category: 'network', source: rfc3463 },
  { id: 'x.5.3', enhanced: /^[45]\.5\.3$/u, category: 'too-many-recipients', source: rfc3463 },
  { id: 'x.5', enhanced: /^[45]\.[56]\.\d{1,3}$/u, category: 'protocol', source: rfc3463 },
  { id: 'x.7.13', enhanced: /^[45]\.7\.1[37]$/u, category: 'mailbox-disabled', source: rfc3463 },
  { id: 'x.7.18', enhanced: /^[45]\.7\.18$/u, category: 'bad-domain', source: rfc3463 },
  {
    id: 'x.7.auth',
    enhanced: /^[45]\.7\.(?:2[0-6]|3[0-2]|40|5(?:09|15))$/u,
    category: 'authentication',
    source: `${rfc3463} X.7.20-26; ${gmail}; ${exchange}`,
  },
  {
    id: 'x.7.sender',
    enhanced: /^[45]\.7\.(?:27|8|57|60|12|13[3-6]|750)$/u,
    category: 'sender',
    source: `${rfc3463} X.7.8, X.7.27; ${exchange} (5.7.57, 5.7.60, 5.7.133-136, 5.7.750)`,
  },
  { id: 'x.7.28', enhanced: /^[45]\.7\.28$/u, category: 'reputation', source: `${gmail}` },
  { id: 'x.7.29', enhanced: /^[45]\.7\.29$/u, category: 'configuration', source: gmail },
  {
    id: 'x.7.6xx',
    enhanced: /^[45]\.7\.6\d\d$/u,
    category: 'blocklist',
    source: `${exchange} (5.7.606-649 banned IP)`,
  },
  {
    id: 'x.7.5xx',
    enhanced: /^[45]\.7\.[5789]\d\d$/u,
    category: 'reputation',
    source: `${exchange} (4.7.500-699, 5.7.700-750, 4.7.850-899)`,
  },
  {
    id: 'x.7',
    enhanced: /^[45]\.7\.\d{1,3}$/u,
    category: 'policy',
    source: `${rfc3463} X.7.1 (delivery not authorized: says nothing about the recipient)`,
  },
];

/** Basic-code rules, used when neither the text nor the enhanced code decided. */
export const basicRules: readonly BounceRule[] = [
  { id: '521', basic: /^(?:521|556)$/u, category: 'null-mx', source: rfc7504 },
  { id: '530', basic: /^(?:530|535)$/u, category: 'sender', source: 'RFC 4954 §6 (530, 535)' },
  {
    id: '5xx-syntax',
    basic: /^(?:500|501|502|503|504|555)$/u,
    category: 'protocol',
    source: rfc5321,
  },
];

/**
 * Enhanced codes that carry no meaning of their own ("other or undefined", "delivery not
 * authorized"): a weak wording decides over them. Every other code beats a weak wording.
 */
export const genericEnhanced = new Set([
  '',
  '2.0.0',
  '4.0.0',
  '5.0.0',
  '4.1.0',
  '5.1.0',
  '4.2.0',
  '5.2.0',
  '4.3.0',
  '5.3.0',
  '4.4.0',
  '5.4.0',
  '4.5.0',
  '5.5.0',
  '4.7.0',
  '5.7.0',
  '4.7.1',
  '5.7.1',
]);
