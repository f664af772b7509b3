import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bounceCategories,
  bounceHints,
  classifyBounce,
  RelayError,
  type BounceInput,
} from '../index.ts';
import { parseSmtpReply } from '../adapter.ts';

/**
 * Real reply lines (from the providers' error pages, e.g. Gmail's https://support.google.com/a/answer/3726730
 * and https://senders.yahooinc.com/smtp-error-codes/, and KumoMTA's `assets/community/bounces.toml`), with the
 * class and category relaykit must give them. IPs and addresses are replaced by documentation values.
 */
const lines: Array<[line: string, klass: string, category: string]> = [
  // Gmail
  [
    "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. Learn more at https://support.google.com/mail/?p=NoSuchUser",
    'hard',
    'unknown-user',
  ],
  [
    '550-5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser',
    'hard',
    'mailbox-disabled',
  ],
  [
    '550-5.2.1 The email account that you tried to reach is inactive and can not receive new mail.',
    'hard',
    'mailbox-disabled',
  ],
  [
    "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
    'soft',
    'mailbox-full',
  ],
  [
    "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm",
    'hard',
    'mailbox-disabled',
  ],
  [
    '450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. https://support.google.com/mail/?p=ReceivingRate',
    'soft',
    'rate-limit',
  ],
  [
    '550-5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. https://support.google.com/mail/?p=ReceivingRatePerm',
    'soft',
    'rate-limit',
  ],
  [
    "553-5.1.2 We weren't able to find the recipient domain. Please check for any spelling errors, and make sure you didn't enter any spaces, periods, or other punctuation after the recipient's email address.",
    'hard',
    'bad-domain',
  ],
  [
    '421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your SPF domain [example.com 1]. To protect our users from spam, mail sent from your domain has been temporarily rate limited.',
    'block',
    'reputation',
  ],
  [
    '421-4.7.0 This message is suspicious due to the very low reputation of the sending IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.',
    'block',
    'reputation',
  ],
  [
    '550-5.7.1 This message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.',
    'block',
    'content',
  ],
  [
    '550-5.7.1 Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.',
    'block',
    'content',
  ],
  [
    '421-4.7.0 This message is suspicious due to the nature of the content or the links within. To best protect our users from spam, the message has been blocked.',
    'block',
    'content',
  ],
  [
    '550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.',
    'block',
    'authentication',
  ],
  [
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain.",
    'block',
    'authentication',
  ],
  [
    "421-4.7.27 Your email has been rate limited because SPF authentication didn't pass for this message.",
    'block',
    'authentication',
  ],
  [
    "421-4.7.30 Your email has been rate limited because DKIM authentication didn't pass for this message.",
    'block',
    'authentication',
  ],
  [
    "421-4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned with either the authenticated SPF or DKIM organizational domain.",
    'block',
    'authentication',
  ],
  [
    '550-5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP.',
    'block',
    'authentication',
  ],
  [
    '421-4.7.29 Your email has been rate limited because this message was not sent over a TLS connection.',
    'block',
    'configuration',
  ],
  ["552-5.2.3 Your message exceeded Google's message size limits.", 'block', 'message-too-large'],
  [
    '552-5.7.0 This message was blocked because its content presents a potential security issue.',
    'block',
    'content',
  ],
  ['421-4.3.0 Temporary System Problem. Try again later.', 'soft', 'temporary'],
  // Microsoft (Outlook.com, Microsoft 365 / Exchange Online)
  [
    '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DM6NAM11FT012.eop-nam11.prod.protection.outlook.com]',
    'hard',
    'unknown-user',
  ],
  [
    '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    'hard',
    'unknown-user',
  ],
  [
    "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
    'hard',
    'unknown-user',
  ],
  [
    '451 4.7.500 Server busy. Please try again later from [203.0.113.5]. (S77719) [CO1NAM11FT038.eop-nam11.prod.protection.outlook.com]',
    'block',
    'rate-limit',
  ],
  [
    '451 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)',
    'block',
    'reputation',
  ],
  [
    "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
    'block',
    'blocklist',
  ],
  [
    "550 5.7.515 Access denied, sending domain example.com doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender.",
    'block',
    'authentication',
  ],
  [
    '550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.',
    'block',
    'authentication',
  ],
  [
    '550 5.7.511 Access denied, banned sender[203.0.113.5]. To request removal from this list please forward this message to delist@messaging.microsoft.com.',
    'block',
    'blocklist',
  ],
  [
    '550 5.7.606 Access denied, banned sending IP [203.0.113.5]. To request removal from this list please visit https://sender.office.com/ and follow the directions.',
    'block',
    'blocklist',
  ],
  [
    '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.',
    'block',
    'reputation',
  ],
  ['451 4.7.852 Access denied, please try again later.', 'block', 'reputation'],
  ['550 5.7.64 TenantAttribution; Relay Access Denied', 'block', 'configuration'],
  [
    '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded',
    'soft',
    'mailbox-full',
  ],
  ['421 4.7.0 Temporary server error. Please try again later. PRX4', 'soft', 'temporary'],
  ['452 4.5.3 Too many recipients', 'soft', 'too-many-recipients'],
  ['550 5.4.1 Recipient address rejected: Access denied. AS(201806281)', 'hard', 'unknown-user'],
  // Yahoo / AOL
  ['552 1 Requested mail action aborted, mailbox not found', 'hard', 'unknown-user'],
  [
    "554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com",
    'hard',
    'unknown-user',
  ],
  [
    '554 delivery error: dd Sorry your message to someone@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.bf1.yahoo.com',
    'hard',
    'mailbox-disabled',
  ],
  [
    '421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    'block',
    'reputation',
  ],
  [
    '421 4.7.0 [TS01] Messages from 203.0.113.5 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    'block',
    'reputation',
  ],
  [
    '421 4.7.0 [IPTS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints',
    'block',
    'reputation',
  ],
  [
    '553 5.7.2 [TSS09] All messages from 203.0.113.5 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes',
    'block',
    'reputation',
  ],
  [
    "553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.5, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
    'block',
    'blocklist',
  ],
  [
    '554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes',
    'block',
    'policy',
  ],
  [
    '554 [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes',
    'block',
    'policy',
  ],
  [
    '550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.',
    'block',
    'authentication',
  ],
  ['421 Max message per connection reached, closing transmission channel', 'block', 'rate-limit'],
  [
    '451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see https://postmaster.yahooinc.com/error-codes',
    'block',
    'sender',
  ],
  // Apple iCloud
  ['550 5.1.1 <someone@icloud.com>: user does not exist', 'hard', 'unknown-user'],
  ['552 5.2.2 <someone@icloud.com>: user is over quota', 'soft', 'mailbox-full'],
  [
    '554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137',
    'block',
    'policy',
  ],
  [
    '550 5.7.1 [HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137',
    'block',
    'policy',
  ],
  ['550 5.7.1 Message content rejected due to spam', 'block', 'content'],
  [
    '421 4.7.1 [HCM1] Messages from 203.0.113.5 temporarily deferred due to user complaints',
    'block',
    'reputation',
  ],
  ['450 4.7.1 [BS02] Service unavailable - try again later', 'block', 'rate-limit'],
  ['554 5.7.1 [HM11] The domain example.com is present in the Spamhaus DBL', 'block', 'blocklist'],
  // Blocklists
  [
    '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.5',
    'block',
    'blocklist',
  ],
  [
    '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=203.0.113.5',
    'block',
    'blocklist',
  ],
  [
    '550 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?203.0.113.5',
    'block',
    'blocklist',
  ],
  ['554 5.7.1 Rejected: 203.0.113.5 listed at cbl.abuseat.org', 'block', 'blocklist'],
  [
    '550 5.7.1 Rejected because 203.0.113.5 is in a black list at dnsbl.sorbs.net',
    'block',
    'blocklist',
  ],
  [
    '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using dnsbl-1.uceprotect.net; IP 203.0.113.5 is UCEPROTECT-Level 1 listed.',
    'block',
    'blocklist',
  ],
  [
    '550 5.7.1 Your IP 203.0.113.5 is listed in the ivmSIP blocklist (invaluement)',
    'block',
    'blocklist',
  ],
  [
    '421 4.7.1 Service unavailable; Client host [203.0.113.5] blocked using psbl.surriel.com',
    'block',
    'blocklist',
  ],
  [
    '550 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=203.0.113.5 (dnsbl)',
    'block',
    'blocklist',
  ],
  // Comcast, Mimecast, Postfix and other MTAs
  ['550 5.1.1 <someone@comcast.net> Not our Customer', 'hard', 'unknown-user'],
  ['550 5.1.1 <someone@comcast.net> Account Closed, Please Remove', 'hard', 'mailbox-disabled'],
  [
    '421 4.7.0 [RL000001] 203.0.113.5 Too many sessions, rate limit exceeded',
    'block',
    'rate-limit',
  ],
  [
    '550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550',
    'hard',
    'unknown-user',
  ],
  [
    '451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451',
    'soft',
    'temporary',
  ],
  ['550 Rejected by header based Anti-Spoofing policy: someone@example.com', 'block', 'policy'],
  [
    '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
    'hard',
    'unknown-user',
  ],
  [
    '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
    'hard',
    'unknown-user',
  ],
  [
    '450 4.1.1 <x@example.com>: Recipient address rejected: unverified address: host mx.example.com said: 550 5.1.1 user unknown',
    'soft',
    'unknown-user',
  ],
  [
    '450 4.2.0 <x@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html',
    'soft',
    'temporary',
  ],
  ['554 5.7.1 <nobody@example.com>: Relay access denied', 'block', 'configuration'],
  [
    '556 5.1.10 <x@example.com>: Recipient address rejected: Domain example.com does not accept mail (nullMX)',
    'hard',
    'null-mx',
  ],
  ['550 5.7.27 Sender address has null MX', 'block', 'sender'],
  ['550 5.1.6 Recipient mailbox has moved, no forwarding address', 'hard', 'mailbox-disabled'],
  ['525 5.7.13 User account disabled', 'hard', 'mailbox-disabled'],
  ['552 5.3.4 Message size exceeds fixed maximum message size', 'block', 'message-too-large'],
  ['550 5.7.1 Message rejected as spam by Content Filtering.', 'block', 'content'],
  [
    '554 5.7.1 The message was rejected because it contains prohibited virus or spam content',
    'block',
    'content',
  ],
  ['550 5.7.23 SPF validation failed', 'block', 'authentication'],
  ['451 4.4.3 Temporary DNS failure', 'soft', 'dns'],
  ['550 Requested action not taken: mailbox unavailable', 'hard', 'unknown-user'],
  ['550 No such user here', 'hard', 'unknown-user'],
  ['553 5.1.3 Bad destination mailbox address syntax', 'hard', 'unknown-user'],
  [
    'Host or domain name not found. Name service error for name=example.invalid type=A: Host not found',
    'hard',
    'bad-domain',
  ],
  [
    'Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again',
    'soft',
    'dns',
  ],
  ['connect to mx.example.com[192.0.2.1]:25: Connection timed out', 'soft', 'network'],
  ['4.4.7 Delivery expired (message too old)', 'soft', 'expired'],
  ['554 5.4.7 Message expired: retry time exceeded', 'soft', 'expired'],
  [
    '550 5.7.1 Recipient address rejected: Sender address rejected: Domain not found',
    'block',
    'sender',
  ],
  ['550 sorry, that did not work', 'undetermined', 'unknown'],
  ['451 try that again', 'soft', 'temporary'],
];

// A provider's own bounce type names are read through its vocabulary (each adapter's
// bounce-hints.test.ts); without one, only `permanent` is.
const hints: Array<[input: BounceInput, klass: string, category: string]> = [
  [{ hint: { type: 'Permanent', subType: 'NoEmail' } }, 'undetermined', 'unknown'],
  [{ hint: { permanent: true } }, 'hard', 'unknown'],
  [{ hint: { permanent: false }, diagnostic: 'user unknown' }, 'soft', 'unknown-user'],
  [{}, 'undetermined', 'unknown'],
];

function fromLine(line: string): BounceInput {
  const reply = parseSmtpReply(line);
  return {
    diagnostic: line,
    ...(reply.status === undefined ? {} : { smtpStatus: reply.status }),
    ...(reply.enhanced === undefined ? {} : { enhancedStatus: reply.enhanced }),
  };
}

describe('classifyBounce: real reply lines', () => {
  it('has at least 60 of them', () => expect(lines.length).toBeGreaterThanOrEqual(60));

  it.each(lines)('%s → %s / %s', (line, klass, category) => {
    expect(classifyBounce(fromLine(line))).toMatchObject({ class: klass, category });
    // Reading the codes from the text alone gives the same answer.
    expect(classifyBounce({ diagnostic: line })).toMatchObject({ class: klass, category });
  });
});

describe('classifyBounce: provider bounce types', () => {
  it.each(hints)('%j → %s / %s', (input, klass, category) => {
    expect(classifyBounce(input)).toMatchObject({ class: klass, category });
  });
});

describe('classifyBounce: properties', () => {
  // A vocabulary with permanent, temporary, suppression and complaint names, as adapters give one.
  const vocabulary = bounceHints([
    ['Permanent', { category: 'unknown', class: 'hard', permanent: true }],
    ['Transient', { category: 'temporary', permanent: false }],
    ['HardBounce', { category: 'unknown-user', permanent: true }],
    ['SpamComplaint', { category: 'complaint' }],
    ['suppress-bounce', { category: 'suppressed' }],
  ]);
  const text = fc.oneof(fc.string(), fc.constantFrom(...lines.map(([l]) => l)));
  const hint = fc.record(
    {
      provider: fc.string(),
      type: fc.oneof(
        fc.string(),
        fc.constantFrom('Permanent', 'Transient', 'HardBounce', 'SpamComplaint', 'suppress-bounce'),
      ),
      subType: fc.string(),
      permanent: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const input = fc.record(
    {
      smtpStatus: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double()),
      enhancedStatus: fc.oneof(
        fc.string(),
        fc.constantFrom('5.1.1', '4.2.2', '5.7.1', '5.01.001', '4.7.28'),
      ),
      diagnostic: text,
      hint,
    },
    { requiredKeys: [] },
  );
  const categories = new Set<string>(bounceCategories);

  it('never throws on any input and always answers with a known class and category', () => {
    fc.assert(
      fc.property(input, (value) => {
        const result = classifyBounce(value, vocabulary);
        expect(['hard', 'soft', 'block', 'undetermined']).toContain(result.class);
        expect(categories.has(result.category)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    // Values the types forbid but a hostile payload can carry.
    expect(() =>
      classifyBounce({ diagnostic: 42, enhancedStatus: {}, hint: 'x' } as unknown as BounceInput),
    ).not.toThrow();
  });

  // Texts no rule reads: the code alone decides (a text that says more overrides the code).
  const silent = fc.constantFrom(
    '',
    'Requested action not taken',
    'Bad destination mailbox address',
    '<someone@example.com>: Recipient address rejected',
    'error',
  );

  it('a 5xx with 5.1.1 and no telling text is hard', () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 599 }), silent, (smtpStatus, diagnostic) => {
        expect(classifyBounce({ smtpStatus, enhancedStatus: '5.1.1', diagnostic }).class).toBe(
          'hard',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('a sender-side code (5.1.7, 5.1.8) or a refusal at MAIL FROM is never hard', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 599 }),
        fc.constantFrom('5.1.7', '5.1.8', '5.1.1', '5.1.2'),
        text,
        fc.constantFrom('5.1.7', '5.1.8', 'mail'),
        (smtpStatus, code, diagnostic, what) => {
          const input: BounceInput =
            what === 'mail'
              ? { smtpStatus, enhancedStatus: code, diagnostic, stage: 'mail' }
              : { smtpStatus, enhancedStatus: what, diagnostic };
          expect(classifyBounce(input).class).not.toBe('hard');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a 4xx is never hard', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 499 }),
        fc.oneof(fc.string(), fc.constant('5.1.1')),
        text,
        fc.option(hint, { nil: undefined }),
        (smtpStatus, enhancedStatus, diagnostic, h) => {
          expect(
            classifyBounce(
              { smtpStatus, enhancedStatus, diagnostic, ...(h ? { hint: h } : {}) },
              vocabulary,
            ).class,
          ).not.toBe('hard');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('stays fast on long hostile text', () => {
    const started = performance.now();
    classifyBounce({ diagnostic: `550 ${'a '.repeat(50_000)}${'DNS '.repeat(10_000)}` });
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('smtpStatus as a string', () => {
  it('reads a numeric string as the code it names', () => {
    const asNumber = classifyBounce({ smtpStatus: 550, diagnostic: 'user unknown' });
    expect(classifyBounce({ smtpStatus: '550', diagnostic: 'user unknown' })).toEqual(asNumber);
    expect(classifyBounce({ smtpStatus: '550' }).class).not.toBe('soft');
    expect(classifyBounce({ smtpStatus: ' 452 ', enhancedStatus: '5.1.1' }).class).not.toBe('hard');
  });

  it('refuses anything else with a ValidationError naming smtpStatus, never dropping it', () => {
    for (const smtpStatus of ['abc', '55O', '5.1.1', '', null, {}, true]) {
      let error: unknown;
      try {
        classifyBounce({ smtpStatus } as unknown as BounceInput);
      } catch (e) {
        error = e;
      }
      expect(error, String(smtpStatus)).toBeInstanceOf(RelayError);
      expect((error as RelayError).kind).toBe('invalid');
      expect((error as RelayError).field).toBe('smtpStatus');
    }
  });
});

describe('classifyBounce: the recipient address a reply quotes', () => {
  it('reads no rule into the address, and gives every recipient of one reply one verdict', () => {
    const reply = (address: string) =>
      classifyBounce({
        diagnostic: `550 5.1.1 <${address}>: Recipient address rejected: User unknown`,
      });
    const plain = reply('gone@example.org');
    expect(plain).toMatchObject({ class: 'hard', category: 'unknown-user' });
    // Local parts that spell out other rules' words, or a status code.
    for (const address of [
      'spf@example.org',
      'dmarc.reports@example.org',
      'mailbox-full@example.org',
      'spamhaus@example.org',
      '4.2.2@example.org',
      'blocked.using@example.org',
    ])
      expect([address, reply(address)]).toEqual([address, plain]);
  });
});
