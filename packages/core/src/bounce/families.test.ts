import { describe, expect, it } from 'vitest';
import {
  classifyBounce,
  createRelay,
  createSuppressionPolicy,
  memorySuppressionStore,
  RelayError,
  type BounceInput,
  type DeliveryEvent,
  type SuppressionAlert,
} from '../index.ts';
import { parseSmtpReply } from '../adapter.ts';
import { testingProvider } from '../testing/index.ts';

/**
 * One block per family of mistakes the classifier used to make (issue 20). Each case is checked
 * twice: what classifyBounce answers, and what the default suppression policy then does with a
 * final bounce carrying it (suppress, strike, alert or nothing).
 */

type Want = [klass: string, category: string | RegExp];
type Outcome = 'suppressed' | 'strike' | 'alert' | 'none';

let seq = 0;
async function policyOutcome(
  input: BounceInput,
): Promise<{ outcome: Outcome; suppressed: string[] }> {
  const store = memorySuppressionStore();
  const alerts: SuppressionAlert[] = [];
  const policy = createSuppressionPolicy({ store, onAlert: (a) => alerts.push(a) });
  const c = classifyBounce(input);
  seq += 1;
  const event: DeliveryEvent = {
    id: `f${seq}`,
    type: 'bounced',
    provider: 'testing',
    recipient: 'someone@example.com',
    from: 'orders@mail.shop.test',
    at: new Date('2026-01-01T00:00:00Z'),
    bounce: { class: c.class, category: c.category },
    tags: [],
    metadata: {},
    raw: null,
  };
  const decisions = await policy.handle(event);
  const hits = await store.check(['someone@example.com']);
  const page = await store.list();
  return {
    outcome: decisions[0]?.type ?? 'none',
    suppressed: [...new Set([...hits.keys(), ...page.entries.map((e) => e.address)])],
  };
}

function check(cases: ReadonlyArray<[input: BounceInput | string, ...want: Want]>) {
  return cases.map(([input, klass, category]) => ({
    input: typeof input === 'string' ? { diagnostic: input } : input,
    klass,
    category,
  }));
}

async function expectFamily(
  cases: ReturnType<typeof check>,
  suppress: 'never' | 'always' | 'domain',
): Promise<void> {
  for (const { input, klass, category } of cases) {
    const got = classifyBounce(input);
    const label = JSON.stringify(input);
    expect(got.class, label).toBe(klass);
    if (typeof category === 'string') expect(got.category, label).toBe(category);
    else expect(got.category, label).toMatch(category);
    const { outcome, suppressed } = await policyOutcome(input);
    if (suppress === 'never') {
      expect(outcome, label).not.toBe('suppressed');
      expect(suppressed, label).toEqual([]);
    } else if (suppress === 'always') {
      expect(outcome, label).toBe('suppressed');
      expect(suppressed, label).toContain('someone@example.com');
    } else {
      expect(outcome, label).toBe('suppressed');
      expect(suppressed, label).toContain('@example.com');
    }
  }
}

describe('the text overrides a generic or contradicting code', () => {
  it('over quota, rate and blocklist texts win over 5.1.1', async () => {
    await expectFamily(
      check([
        [
          '550 5.1.1 <someone@example.com>: Recipient address rejected: mailbox over quota',
          'soft',
          'mailbox-full',
        ],
        ['552 5.1.1 <someone@example.com>: Mailbox is full', 'soft', 'mailbox-full'],
        [
          '550 5.1.1 <someone@example.com>: sent too many recipients this hour, try again later',
          'block',
          'rate-limit',
        ],
        [
          '550 5.1.1 <someone@example.com>: Recipient address rejected: 203.0.113.5 listed on zen.spamhaus.org',
          'block',
          'blocklist',
        ],
        [
          {
            smtpStatus: 550,
            enhancedStatus: '5.1.1',
            diagnostic: 'Your IP is listed in bl.spamcop.net',
          },
          'block',
          'blocklist',
        ],
      ]),
      'never',
    );
  });

  it('a bare 550 or 553 decides nothing on its own', async () => {
    await expectFamily(
      check([
        ['550', 'undetermined', 'unknown'],
        ['553', 'undetermined', 'unknown'],
        [{ smtpStatus: 553 }, 'undetermined', 'unknown'],
        [{ smtpStatus: 550, enhancedStatus: '5.0.0' }, 'undetermined', 'unknown'],
        ['554 Transaction failed', 'undetermined', 'unknown'],
      ]),
      'never',
    );
  });

  it('5.1.1 with nothing else said is still hard', async () => {
    await expectFamily(
      check([
        [{ smtpStatus: 550, enhancedStatus: '5.1.1' }, 'hard', 'unknown-user'],
        ['550 5.1.1 <someone@example.com>: Recipient address rejected', 'hard', 'unknown-user'],
        ['550 5.1.1 someone@example.com recipient rejected', 'hard', 'unknown-user'],
      ]),
      'always',
    );
  });
});

describe('sender-side failures never suppress the recipient', () => {
  it('5.1.7, 5.1.8 and sender texts are block/sender', async () => {
    await expectFamily(
      check([
        [{ smtpStatus: 553, enhancedStatus: '5.1.8' }, 'block', 'sender'],
        [{ smtpStatus: 501, enhancedStatus: '5.1.7' }, 'block', 'sender'],
        [
          '553 5.1.8 <sender@example.org>... Domain of sender address sender@example.org does not exist',
          'block',
          'sender',
        ],
        ['550 5.1.8 Unroutable sender address', 'block', 'sender'],
        ['550 5.7.1 From: domain is invalid', 'block', 'sender'],
        ['550 5.7.1 sender rejected', 'block', 'sender'],
        ['550 MAIL FROM domain does not exist', 'block', 'sender'],
        ['550 5.7.1 The domain in your From header does not exist', 'block', 'sender'],
        ['451 From:domain must resolve', 'block', 'sender'],
        ['550 HELO hostname does not exist', 'block', 'protocol'],
        [
          '554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: sender@example.org',
          'block',
          'sender',
        ],
        ['550 5.7.1 Please turn on SMTP Authentication in your mail client', 'block', 'sender'],
        [
          '450 4.1.8 <sender@example.org>: Sender address rejected: Domain not found',
          'block',
          'sender',
        ],
        [
          '550 5.1.1 <sender@example.org>: Sender address rejected: User unknown in local recipient table',
          'block',
          'sender',
        ],
      ]),
      'never',
    );
  });

  it('relaying denied is a configuration block', async () => {
    await expectFamily(
      check([
        ['554 5.7.1 <someone@example.com>: Relay access denied', 'block', 'configuration'],
        ['550 5.7.1 Relaying denied', 'block', 'configuration'],
        ['550 not configured to relay for this domain', 'block', 'configuration'],
        [
          "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
          'block',
          'configuration',
        ],
      ]),
      'never',
    );
  });

  it('a recipient text under a sender code is still the sender', () => {
    expect(
      classifyBounce({ smtpStatus: 550, enhancedStatus: '5.1.8', diagnostic: 'User unknown' }),
    ).toMatchObject({ class: 'block', category: 'sender' });
  });
});

describe('negations are not listings', () => {
  it('"not listed in Domino Directory" is an unknown user, not a blocklist', async () => {
    await expectFamily(
      check([
        [
          '550 5.1.1 User someone@example.com not listed in Domino Directory',
          'hard',
          'unknown-user',
        ],
        ['User someone not listed in public Name & Address Book', 'hard', 'unknown-user'],
        ['550 someone@example.com... User not listed in Domino Directory', 'hard', 'unknown-user'],
      ]),
      'always',
    );
  });

  it('a positive listing stays a blocklist', () => {
    expect(
      classifyBounce({ diagnostic: '554 5.7.1 Rejected: 203.0.113.5 listed at cbl.abuseat.org' }),
    ).toMatchObject({ class: 'block', category: 'blocklist' });
  });
});

describe('Exchange says "does not exist" in its own words', () => {
  it('5.4.1 Access denied (directory-based edge blocking) and "recipient name is not recognized" are hard', async () => {
    await expectFamily(
      check([
        [
          '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)',
          'hard',
          'unknown-user',
        ],
        [
          "Remote Server returned '550 5.4.1 [someone@example.com]: Recipient address rejected: Access denied [CY1GCC01FT007.eop-gcc01.prod.protection.outlook.com]'",
          'hard',
          'unknown-user',
        ],
        ['The recipient name is not recognized', 'hard', 'unknown-user'],
        ['550 5.1.1 The recipient name is not recognized', 'hard', 'unknown-user'],
      ]),
      'always',
    );
  });

  it('a 5.7.1 access denial is still a policy block', () => {
    expect(
      classifyBounce({
        diagnostic: '554 5.7.1 <someone@example.com>: Recipient address rejected: Access denied',
      }),
    ).toMatchObject({ class: 'block', category: 'policy' });
  });
});

describe('texts without a code are read', () => {
  it('unknown users and dead domains are hard', async () => {
    await expectFamily(
      check([
        ['unknown user', 'hard', 'unknown-user'],
        ['no such user', 'hard', 'unknown-user'],
        ['no such domain', 'hard', 'bad-domain'],
        ['Host not found', 'hard', 'bad-domain'],
        ['DNS lookup failure: example.com', 'hard', 'bad-domain'],
        ['account frozen', 'hard', 'mailbox-disabled'],
        ['this account has been locked', 'hard', 'mailbox-disabled'],
        ['This account has been disabled or discontinued', 'hard', 'mailbox-disabled'],
      ]),
      'always',
    );
  });

  it('full mailboxes, expiry, loops and network errors are soft: a strike, not a suppression', async () => {
    const cases = check([
      ['mailbox full', 'soft', 'mailbox-full'],
      ['over quota', 'soft', 'mailbox-full'],
      [
        "all hosts for 'example.com' have been failing for a long time (and retry time not reached)",
        'soft',
        'expired',
      ],
      [
        'host mx.example.com is not accepting connections; retry timeout exceeded',
        'soft',
        'expired',
      ],
      ['routing loop detected', 'soft', 'network'],
      ['hop count exceeded', 'soft', 'network'],
      ['connect to mx.example.com[192.0.2.10]:25: Connection refused', 'soft', 'network'],
      ['Connection reset by peer', 'soft', 'network'],
    ]);
    await expectFamily(cases, 'never');
    for (const { input } of cases) expect((await policyOutcome(input)).outcome).toBe('strike');
  });
});

describe('policy and reputation refusals are blocks', () => {
  it('abuse, frequency, PTR, spam, virus and security refusals alert the sender', async () => {
    const cases = check([
      ['550 Blocked for abuse', 'block', /reputation|policy/u],
      ['550 Rejected', 'block', 'policy'],
      [
        '550 Ip frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725',
        'block',
        'rate-limit',
      ],
      [
        '550 5.7.25 The IP address sending this message does not have a PTR record setup',
        'block',
        'authentication',
      ],
      [
        '550 Your reverse DNS (mail.example.org) mismatches client IP 203.0.113.5',
        'block',
        'authentication',
      ],
      [
        '421 mwinf5c02 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR004_104 [104]',
        'block',
        'reputation',
      ],
      ['mx.example.com refused to talk to me: 554 5.7.1 Your IP is blocked', 'block', 'reputation'],
      ['550 5.7.1 Message scored too high on spam scale (score 12.3)', 'block', 'content'],
      ['554 5.7.1 Message rejected: virus found (Win.Test.EICAR_HDB-1)', 'block', 'content'],
      [
        '554 Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554',
        'block',
        'policy',
      ],
      [
        '554 Host network not allowed - https://community.mimecast.com/docs/DOC-1369#554',
        'block',
        'policy',
      ],
      ['550 Message filtered. Please see the FAQs section on spam', 'block', 'content'],
    ]);
    await expectFamily(cases, 'never');
    for (const { input } of cases) expect((await policyOutcome(input)).outcome).toBe('alert');
  });
});

describe('size limits are about the message', () => {
  it('5.2.3, 5.3.4, "message too big" and "line limit exceeded" never suppress nor strike', async () => {
    const cases = check([
      [{ smtpStatus: 552, enhancedStatus: '5.2.3' }, 'block', 'message-too-large'],
      [{ smtpStatus: 552, enhancedStatus: '5.3.4' }, 'block', 'message-too-large'],
      ['552 message too big', 'block', 'message-too-large'],
      ['550 5.2.3 Line limit exceeded', 'block', 'message-too-large'],
      [
        "552-5.2.3 Your message exceeded Google's message size limits.",
        'block',
        'message-too-large',
      ],
    ]);
    await expectFamily(cases, 'never');
    for (const { input } of cases) expect((await policyOutcome(input)).outcome).not.toBe('strike');
  });
});

describe('null MX and DNS trouble', () => {
  it('521, 556, 5.1.10 and "does not accept mail" are hard for the whole domain', async () => {
    await expectFamily(
      check([
        [{ smtpStatus: 556 }, 'hard', 'null-mx'],
        [{ smtpStatus: 521 }, 'hard', 'null-mx'],
        [{ smtpStatus: 550, enhancedStatus: '5.1.10' }, 'hard', 'null-mx'],
        ['521 5.3.2 Host does not accept mail', 'hard', 'null-mx'],
        ['550 5.1.10 example.net: MX indicates no SMTP service', 'hard', 'null-mx'],
      ]),
      'domain',
    );
  });

  it('Microsoft\'s 5.1.10 "recipient not found" is only the address', async () => {
    await expectFamily(
      check([
        [
          '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
          'hard',
          'unknown-user',
        ],
      ]),
      'always',
    );
  });

  it('"No MX found" as 4.x and a malformed name-service reply are temporary DNS trouble', async () => {
    await expectFamily(
      check([
        ['451 4.4.0 No MX found for example.com', 'soft', 'dns'],
        ['554 5.4.4 name service error for example.com: malformed reply', 'soft', 'dns'],
        [
          'Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again',
          'soft',
          'dns',
        ],
        [
          '450 4.1.2 <someone@example.com>: Recipient address rejected: Domain not found',
          'soft',
          /dns|bad-domain/u,
        ],
      ]),
      'never',
    );
  });
});

describe('protocol and media errors are about the message or the sending MTA', () => {
  it('5.5.x, 5.6.x, 503, 504 and improper sequences are never hard', async () => {
    await expectFamily(
      check([
        [{ smtpStatus: 554, enhancedStatus: '5.6.1' }, 'block', 'protocol'],
        ['554 5.6.1 8-bit data not allowed', 'block', 'protocol'],
        ['550 5.6.0 Invalid header found (see RFC5322 section 3.6)', 'block', 'protocol'],
        ['503 5.5.1 Improper sequence of commands', 'block', 'protocol'],
        [{ smtpStatus: 503 }, 'block', 'protocol'],
        [{ smtpStatus: 504 }, 'block', 'protocol'],
        ['501 5.5.4 Invalid Address', 'block', 'protocol'],
      ]),
      'never',
    );
  });
});

describe('the SMTP stage is evidence', () => {
  it('a refusal at MAIL FROM or after DATA does not say the recipient is gone', async () => {
    await expectFamily(
      check([
        [
          'host mx.example.com[192.0.2.10] said: 550 5.1.1 <someone@example.com>... User unknown (in reply to MAIL FROM command)',
          'block',
          'sender',
        ],
        [
          'host mx.example.com[192.0.2.10] said: 550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown (in reply to end of DATA command)',
          'block',
          'policy',
        ],
        [
          'SMTP error from remote mail server after MAIL FROM:<sender@example.org> SIZE=2048: 550 5.1.1 User unknown',
          'block',
          'sender',
        ],
        [
          { smtpStatus: 550, enhancedStatus: '5.1.1', diagnostic: 'User unknown', stage: 'mail' },
          'block',
          'sender',
        ],
        [{ smtpStatus: 550, enhancedStatus: '5.1.1', stage: 'data' }, 'block', 'policy'],
      ]),
      'never',
    );
  });

  it('the same refusal at RCPT TO is hard', async () => {
    await expectFamily(
      check([
        [
          'host mx.example.com[192.0.2.10] said: 550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)',
          'hard',
          'unknown-user',
        ],
        [
          'SMTP error from remote mail server after RCPT TO:<someone@example.com>: 550 No Such User Here',
          'hard',
          'unknown-user',
        ],
        [{ smtpStatus: 550, enhancedStatus: '5.1.1', stage: 'rcpt' }, 'hard', 'unknown-user'],
      ]),
      'always',
    );
  });
});

describe('input', () => {
  it('accepts smtpStatus as a numeric string', () => {
    expect(classifyBounce({ smtpStatus: '550', enhancedStatus: '5.1.1' })).toMatchObject({
      class: 'hard',
      category: 'unknown-user',
    });
    expect(classifyBounce({ smtpStatus: ' 452 ', enhancedStatus: '4.2.2' })).toMatchObject({
      class: 'soft',
      category: 'mailbox-full',
    });
    // A 4xx given as a string still keeps a 5.1.1 from being hard.
    expect(classifyBounce({ smtpStatus: '450', enhancedStatus: '5.1.1' }).class).toBe('soft');
    // Not a reply code: refused, never silently dropped.
    expect(() =>
      classifyBounce({ smtpStatus: 'abc', diagnostic: '452 4.2.2 Mailbox full' }),
    ).toThrow(/smtpStatus/u);
  });

  it('refuses a value that is not an object with a typed error', () => {
    for (const bad of [null, undefined, '550 5.1.1 user unknown', 550, [550]]) {
      let caught: unknown;
      try {
        classifyBounce(bad as unknown as BounceInput);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RelayError);
      expect(caught).toMatchObject({ kind: 'invalid' });
    }
  });
});

describe('unattributed bounces', () => {
  it('the policy neither suppresses nor strikes nor alerts on them', async () => {
    const store = memorySuppressionStore();
    const policy = createSuppressionPolicy({ store });
    for (const klass of ['hard', 'soft', 'block', 'undetermined'] as const) {
      const decisions = await policy.handle({
        id: `u-${klass}`,
        type: 'bounced',
        provider: 'testing',
        recipient: 'someone@example.com',
        at: new Date('2026-01-01T00:00:00Z'),
        bounce: { class: klass, category: 'unattributed' },
        tags: [],
        metadata: {},
        raw: null,
      });
      expect(decisions).toEqual([{ type: 'none' }]);
    }
    expect((await store.check(['someone@example.com'])).size).toBe(0);
  });
});

describe('the extractor keeps the stage', () => {
  it('parseSmtpReply names the SMTP command a reply answered', () => {
    expect(
      parseSmtpReply(
        'host mx.example.com[192.0.2.10] said: 550 5.1.1 <someone@example.com>: User unknown (in reply to RCPT TO command)',
      ),
    ).toMatchObject({ status: 550, enhanced: '5.1.1', stage: 'rcpt' });
    expect(
      parseSmtpReply(
        'SMTP error from remote mail server after MAIL FROM:<sender@example.org>: 550 Sender verify failed',
      ).stage,
    ).toBe('mail');
    expect(parseSmtpReply('550 5.7.1 Spam (in reply to end of DATA command)').stage).toBe('data');
    expect(parseSmtpReply('550 5.1.1 User unknown').stage).toBeUndefined();
  });

  it('a synchronous rejection at MAIL FROM never suppresses the recipient; at RCPT TO it does', async () => {
    const provider = testingProvider();
    const reply = (stage: string) =>
      `550 5.1.1 <someone@example.com>... User unknown (in reply to ${stage} command)`;
    provider.script({
      recipient: 'a@example.com',
      outcome: { type: 'reject', smtp: reply('MAIL FROM') },
    });
    provider.script({
      recipient: 'b@example.com',
      outcome: { type: 'reject', smtp: reply('RCPT TO') },
    });
    const relay = createRelay({ providers: [provider] });
    for (const to of ['a@example.com', 'b@example.com'])
      await relay
        .send({ from: 'orders@mail.shop.test', to: [to], subject: 's', text: 't' })
        .catch(() => undefined);
    const hits = await relay.suppressions.check(['a@example.com', 'b@example.com']);
    expect([...hits.keys()]).toEqual(['b@example.com']);
  });
});
