/**
 * What each relay needs in DNS. Each relay's block below names the public page its values come from
 * (the relay's domain-setup docs or API reference). Where a value is only seen in samples, it says so.
 */
export type RelayName = 'ses' | 'postmark' | 'mailgun' | 'resend';

export const relayNames: readonly RelayName[] = ['ses', 'postmark', 'mailgun', 'resend'];

/** How the relay's return-path (MAIL FROM) domain must be published. */
export type MailFromSetup =
  | { kind: 'mx'; hosts: (region: string | undefined) => string[] }
  | { kind: 'cname'; target: string };

/** How the relay's DKIM keys are published at `<selector>._domainkey.<domain>`. */
export type DkimSetup = { kind: 'cname'; target: (token: string) => string } | { kind: 'txt' };

export interface RelayRequirements {
  label: string;
  /** The SPF include the return-path domain's record must reach. */
  spfInclude: string;
  /** The return-path domain relaykit expects when the caller names none; undefined: the relay's own. */
  defaultMailFrom: (domain: string) => string | undefined;
  /** True when the relay cannot send from the domain without the return-path records (domain verification). */
  mailFromRequired: boolean;
  /** The envelope domain the relay falls back to when no custom return path is set up (SPF then passes unaligned). */
  ownMailFrom: string;
  mailFrom: MailFromSetup;
  dkim: DkimSetup;
  /** Selectors to look up when the caller gives none. */
  defaultSelectors: readonly string[];
  /** Where to find the selector names, for the fix text. */
  selectorHint: string;
  /** d= the relay signs with when the domain's own DKIM is not set up: passes DKIM, never aligns. */
  ownDkimDomain: string | undefined;
  defaultRegion: string | undefined;
  /** Where to change the records, for the fix text. */
  console: string;
}

const sesFeedbackMx = (region: string | undefined) => [
  `feedback-smtp.${region ?? 'us-east-1'}.amazonses.com`,
];

export const relays: Record<RelayName, RelayRequirements> = {
  // SES (https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html and
  // https://docs.aws.amazon.com/ses/latest/dg/mail-from.html): three Easy DKIM CNAMEs
  // <token>._domainkey.F → <token>.dkim.amazonses.com; custom MAIL FROM mail.F with
  // MX 10 feedback-smtp.<region>.amazonses.com and TXT v=spf1 include:amazonses.com. Without a custom
  // MAIL FROM, SES uses a subdomain of amazonses.com and signs an extra d=amazonses.com signature.
  ses: {
    label: 'Amazon SES',
    spfInclude: 'amazonses.com',
    defaultMailFrom: () => undefined,
    mailFromRequired: false,
    ownMailFrom: 'amazonses.com',
    mailFrom: { kind: 'mx', hosts: sesFeedbackMx },
    dkim: { kind: 'cname', target: (token) => `${token}.dkim.amazonses.com` },
    defaultSelectors: [],
    selectorHint:
      'the three Easy DKIM tokens (SES console → Verified identities → the domain → DKIM, or GetEmailIdentity DkimAttributes.Tokens)',
    ownDkimDomain: 'amazonses.com',
    defaultRegion: 'us-east-1',
    console: 'SES console → Verified identities → the domain',
  },
  // Postmark (Domains API, https://postmarkapp.com/developer/api/domains-api: ReturnPathDomainCNAMEValue
  // pm.mtasv.net, SPFTextValue "v=spf1 a mx include:spf.mtasv.net ~all", DKIM host
  // <yyyymmddhhmmss>pm._domainkey). Its default return path is pm.mtasv.net, and it also signs
  // d=pm.mtasv.net (as seen in the ARC-Authentication-Results of mail it delivers).
  postmark: {
    label: 'Postmark',
    spfInclude: 'spf.mtasv.net',
    defaultMailFrom: (domain) => `pm-bounces.${domain}`,
    mailFromRequired: false,
    ownMailFrom: 'pm.mtasv.net',
    mailFrom: { kind: 'cname', target: 'pm.mtasv.net' },
    dkim: { kind: 'txt' },
    defaultSelectors: [],
    selectorHint:
      "the DKIM selector shown in Postmark's Sender Signatures → DNS settings (of the form 20240101000000pm)",
    ownDkimDomain: 'pm.mtasv.net',
    defaultRegion: undefined,
    console: 'Postmark → Sender Signatures → DNS settings',
  },
  // Mailgun (https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify:
  // "v=spf1 include:mailgun.org ~all", a DKIM TXT such as k1._domainkey, MX mxa/mxb.mailgun.org).
  // The sending domain is its own return path (bounce+…@<domain>). The EU hosts mxa/mxb.eu.mailgun.org
  // are Mailgun's EU DNS settings, not on that page: verify against the Mailgun console.
  mailgun: {
    label: 'Mailgun',
    spfInclude: 'mailgun.org',
    defaultMailFrom: (domain) => domain,
    mailFromRequired: true,
    ownMailFrom: 'mailgun.org',
    mailFrom: {
      kind: 'mx',
      hosts: (region) =>
        region === 'eu'
          ? ['mxa.eu.mailgun.org', 'mxb.eu.mailgun.org']
          : ['mxa.mailgun.org', 'mxb.mailgun.org'],
    },
    dkim: { kind: 'txt' },
    defaultSelectors: ['k1'],
    selectorHint:
      "the DKIM selector in Mailgun's Domain settings → DNS records (k1 for new domains)",
    ownDkimDomain: 'mailgun.org',
    defaultRegion: undefined,
    console: 'Mailgun → Sending → Domain settings → DNS records',
  },
  // Resend (https://resend.com/docs/dashboard/domains/introduction): resend._domainkey TXT, send.F with
  // MX feedback-smtp.<region>.amazonses.com and TXT v=spf1 include:amazonses.com ~all.
  resend: {
    label: 'Resend',
    spfInclude: 'amazonses.com',
    defaultMailFrom: (domain) => `send.${domain}`,
    mailFromRequired: true,
    ownMailFrom: 'amazonses.com',
    mailFrom: { kind: 'mx', hosts: sesFeedbackMx },
    dkim: { kind: 'txt' },
    defaultSelectors: ['resend'],
    selectorHint: "the DKIM record in Resend's Domains page (resend._domainkey)",
    ownDkimDomain: undefined,
    defaultRegion: 'us-east-1',
    console: 'Resend → Domains → the domain',
  },
};
