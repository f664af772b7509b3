import { describe, expect, it } from 'vitest';
import {
  createRelay,
  createSuppressionPolicy,
  memorySuppressionStore,
  RelayError,
  type DeliveryEvent,
  type SuppressionAlert,
} from '../index.ts';
import { testEvent, testingProvider } from '../testing/index.ts';

const base = { from: 'Shop <orders@mail.shop.test>', subject: 'Your order', text: 'Thanks!' };
const day = 24 * 60 * 60 * 1000;
const t0 = Date.parse('2025-03-01T00:00:00Z');
let seq = 0;

/** A delivery event to `recipient` at t0, of its own message. */
const event = (
  type: DeliveryEvent['type'],
  recipient: string,
  extra: Partial<DeliveryEvent> = {},
) =>
  testEvent(type, {
    provider: 'testing',
    recipient,
    at: new Date(t0),
    messageId: `m${(seq += 1)}`,
    ...extra,
  });
const soft = (recipient: string, at: number) =>
  event('bounced', recipient, {
    at: new Date(at),
    bounce: { class: 'soft', category: 'mailbox-full', smtpStatus: 452, enhancedStatus: '4.2.2' },
  });

describe('suppression by default', () => {
  it('a hard bounce from the webhook path suppresses: the address is never sent to again', async () => {
    const provider = testingProvider();
    provider.script({
      recipient: 'gone@x.test',
      outcome: { type: 'bounce', smtp: '550 5.1.1 <gone@x.test>: user unknown' },
    });
    const relay = createRelay({ providers: [provider] });
    await relay.send({ ...base, to: ['gone@x.test', 'ok@x.test'] });
    await provider.settled();

    const hits = await relay.suppressions.check(['gone@x.test', 'ok@x.test']);
    expect([...hits.keys()]).toEqual(['gone@x.test']);
    expect(hits.get('gone@x.test')).toMatchObject({
      reason: 'hard-bounce',
      source: { type: 'bounced', provider: 'testing' },
    });

    const again = await relay.send({ ...base, to: ['Gone@X.test', 'ok@x.test'] });
    expect(again.recipients).toEqual([
      { address: 'gone@x.test', status: 'suppressed', reason: 'hard-bounce' },
      expect.objectContaining({ address: 'ok@x.test', status: 'sent' }),
    ]);
    expect(provider.sent.at(-1)?.to.map((a) => a.address)).toEqual(['ok@x.test']);
  });

  it('4 soft bounces do not suppress, the 5th within 7 days does', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    const decisions: string[] = [];
    relay.on('suppression', (d) => decisions.push(d.type));
    for (let i = 0; i < 4; i += 1) await relay.ingest([soft('full@x.test', t0 + i * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).size).toBe(0);
    expect(decisions).toEqual(['strike', 'strike', 'strike', 'strike']);
    await relay.ingest([soft('full@x.test', t0 + 6 * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).get('full@x.test')).toMatchObject({
      reason: 'soft-bounce-limit',
    });
  });

  it('strikes older than the window fall away', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    for (const d of [0, 1, 2, 3]) await relay.ingest([soft('full@x.test', t0 + d * day)]);
    // Day 8: day 0 is out of the window; days 1, 2, 3 and 8 are four strikes.
    await relay.ingest([soft('full@x.test', t0 + 8 * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).size).toBe(0);
    // A late strike from day 4 makes five within days 1 to 8.
    await relay.ingest([soft('full@x.test', t0 + 4 * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).size).toBe(1);
  });

  it('deferrals, rate limits and duplicates never count a strike', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    const bounce = soft('a@x.test', t0);
    for (let i = 0; i < 5; i += 1) await relay.ingest([bounce]);
    for (let i = 0; i < 5; i += 1)
      await relay.ingest([
        event('deferred', 'a@x.test', { bounce: { class: 'soft', category: 'mailbox-full' } }),
      ]);
    for (let i = 0; i < 5; i += 1)
      await relay.ingest([
        event('bounced', 'a@x.test', { bounce: { class: 'soft', category: 'rate-limit' } }),
      ]);
    expect((await relay.suppressions.check(['a@x.test'])).size).toBe(0);
  });

  it('the limit and window are options, and the policy takes a clock', async () => {
    const store = memorySuppressionStore();
    const now = t0 + 100 * day;
    const relay = createRelay({
      providers: [testingProvider()],
      suppression: {
        store,
        policy: createSuppressionPolicy({
          store,
          softBounceLimit: 2,
          softBounceWindowMs: day,
          now: () => now,
          expireAfterMs: { 'soft-bounce-limit': 30 * day },
        }),
      },
    });
    await relay.ingest([soft('a@x.test', t0), soft('a@x.test', t0 + 2 * day)]);
    expect((await store.check(['a@x.test'], { now: new Date(t0 + 3 * day) })).size).toBe(0);
    await relay.ingest([soft('a@x.test', t0 + 2 * day + 1000)]);
    const entry = (await store.check(['a@x.test'], { now: new Date(t0 + 3 * day) })).get(
      'a@x.test',
    );
    expect(entry?.expiresAt?.getTime()).toBe(t0 + 32 * day + 1000);
    // Expired: sendable again.
    expect((await store.check(['a@x.test'], { now: new Date(t0 + 40 * day) })).size).toBe(0);
  });

  it('a complaint suppresses at once on every stream; an unsubscribe on its stream only', async () => {
    const first = testingProvider({ name: 'first' });
    const streams = {
      transactional: { domains: ['mail.shop.test'] },
      outreach: { domains: ['news.shop.test'] },
    };
    const relay = createRelay({ providers: [first], streams });
    await relay.ingest([
      event('complained', 'angry@x.test'),
      event('unsubscribed', 'bye@x.test', { stream: 'outreach' }),
    ]);
    const outreach = await relay.send({
      ...base,
      from: 'news@news.shop.test',
      stream: 'outreach',
      to: ['angry@x.test', 'bye@x.test', 'ok@x.test'],
    });
    expect(
      outreach.recipients
        .filter((r) => r.status === 'suppressed')
        .map((r) => [r.address, r.reason]),
    ).toEqual([
      ['angry@x.test', 'complaint'],
      ['bye@x.test', 'unsubscribe'],
    ]);
    const transactional = await relay.send({
      ...base,
      stream: 'transactional',
      to: ['angry@x.test', 'bye@x.test'],
    });
    expect(transactional.recipients.map((r) => [r.address, r.status])).toEqual([
      ['angry@x.test', 'suppressed'],
      ['bye@x.test', 'sent'],
    ]);
  });

  it('a null MX suppresses the whole recipient domain', async () => {
    const provider = testingProvider();
    provider.script({
      recipient: '@nullmx.test',
      outcome: {
        type: 'bounce',
        smtp: '556 5.1.10 <a@nullmx.test>: Recipient address rejected: Domain nullmx.test does not accept mail (nullMX)',
      },
    });
    const relay = createRelay({ providers: [provider] });
    await relay.send({ ...base, to: 'a@nullmx.test' });
    await provider.settled();
    const hits = await relay.suppressions.check(['someone-else@nullmx.test', 'a@other.test']);
    expect([...hits.entries()]).toEqual([
      [
        'someone-else@nullmx.test',
        expect.objectContaining({ address: '@nullmx.test', reason: 'null-mx' }),
      ],
    ]);
  });

  it("Microsoft's 550 5.1.10 recipient-not-found suppresses only the address", async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await relay.ingest([
      event('bounced', 'gone@outlook.test', {
        bounce: {
          class: 'hard',
          category: 'unknown-user',
          smtpStatus: 550,
          enhancedStatus: '5.1.10',
        },
      }),
    ]);
    const hits = await relay.suppressions.check(['gone@outlook.test', 'other@outlook.test']);
    expect([...hits.keys()]).toEqual(['gone@outlook.test']);
  });

  it('provider-side suppression events suppress', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await relay.ingest([
      event('suppressed', 'a@x.test'),
      event('bounced', 'b@x.test', {
        bounce: {
          class: 'hard',
          category: 'suppressed',
          diagnostic: 'on the account-level suppression list',
        },
      }),
    ]);
    const hits = await relay.suppressions.check(['a@x.test', 'b@x.test']);
    expect([...hits.values()].map((e) => e.reason)).toEqual([
      'provider-suppressed',
      'provider-suppressed',
    ]);
  });

  it('an unattributed bounce, complaint or suppression (provider did not say which recipient) suppresses and strikes no one', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    const unattributed = { class: 'undetermined', category: 'unattributed' } as const;
    await relay.ingest([
      event('bounced', 'a@x.test', { bounce: { ...unattributed, diagnostic: '550 5.1.1' } }),
      event('complained', 'b@x.test', { bounce: unattributed }),
      event('suppressed', 'c@x.test', { bounce: unattributed }),
      ...Array.from({ length: 6 }, () => event('bounced', 'd@x.test', { bounce: unattributed })),
    ]);
    const hits = await relay.suppressions.check(['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test']);
    expect(hits.size).toBe(0);
  });

  it('a block never counts against the recipient and alerts the sending domain, once per interval', async () => {
    const provider = testingProvider();
    provider.script({
      recipient: '@gmail.test',
      outcome: {
        type: 'bounce',
        smtp: '550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.',
      },
    });
    const relay = createRelay({ providers: [provider] });
    const alerts: Array<{ type: string; message: string }> = [];
    relay.on('alert', (a) => alerts.push(a));
    for (const to of [
      'a@gmail.test',
      'b@gmail.test',
      'c@gmail.test',
      'd@gmail.test',
      'e@gmail.test',
      'f@gmail.test',
    ])
      await relay.send({ ...base, to });
    await provider.settled();
    expect((await relay.suppressions.check(['a@gmail.test', 'f@gmail.test'])).size).toBe(0);
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'sender-blocked',
        domain: 'mail.shop.test',
        category: 'authentication',
        recipientDomain: 'gmail.test',
      }),
    ]);
    expect(alerts[0]?.message).toMatch(/mail\.shop\.test .*authentication.*not suppressed/u);
  });

  it('the onAlert option receives block alerts from a policy built by hand', async () => {
    const alerts: SuppressionAlert[] = [];
    const store = memorySuppressionStore();
    const policy = createSuppressionPolicy({ store, onAlert: (a) => alerts.push(a) });
    const decisions = await policy.handle(
      event('deferred', 'a@yahoo.test', {
        bounce: {
          class: 'block',
          category: 'reputation',
          diagnostic: '421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred',
        },
      }),
    );
    expect(decisions).toEqual([expect.objectContaining({ type: 'alert' })]);
    expect(alerts).toHaveLength(1);
  });

  it("Postmark's 406 inactive recipients and hard synchronous rejections enter suppression; soft ones do not", async () => {
    const provider = testingProvider();
    provider.script({
      recipient: 'gone@x.test',
      outcome: { type: 'reject', smtp: '550 5.1.1 <gone@x.test>: user unknown' },
    });
    provider.script({
      recipient: 'busy@x.test',
      outcome: { type: 'reject', smtp: '451 4.7.500 Server busy. Please try again later' },
    });
    const relay = createRelay({ providers: [provider] });
    const report = await relay.send({ ...base, to: ['gone@x.test', 'busy@x.test', 'ok@x.test'] });
    expect(report.recipients.map((r) => [r.address, r.status])).toEqual([
      ['ok@x.test', 'sent'],
      ['gone@x.test', 'rejected'],
      ['busy@x.test', 'rejected'],
    ]);
    expect([...(await relay.suppressions.check(['gone@x.test', 'busy@x.test'])).keys()]).toEqual([
      'gone@x.test',
    ]);
    expect(
      (await relay.status(report.messageId)).find((s) => s.recipient === 'gone@x.test')?.status,
    ).toBe('rejected');

    // As the Postmark adapter maps ErrorCode 406: recipient-rejected, providerCode '406', the
    // named recipients, and its rejectionBounce says the address is held as inactive.
    const postmark = Object.assign(testingProvider({ name: 'postmark' }), {
      rejectionBounce: (error: RelayError) =>
        error.providerCode === '406'
          ? ({ class: 'hard', category: 'suppressed' } as const)
          : undefined,
    });
    const inactive = new RelayError({
      kind: 'recipient-rejected',
      provider: 'postmark',
      providerCode: '406',
      status: 422,
      recipients: ['inactive@x.test'],
      message: 'Postmark refused inactive recipient(s) inactive@x.test',
    });
    const send = postmark.send.bind(postmark);
    let calls = 0;
    postmark.send = async (message, context) => {
      calls += 1;
      if (calls === 1) throw inactive;
      return send(message, context);
    };
    const relay2 = createRelay({ providers: [postmark] });
    const report2 = await relay2.send({ ...base, to: ['inactive@x.test', 'ok@x.test'] });
    expect(report2.recipients.map((r) => [r.address, r.status])).toEqual([
      ['inactive@x.test', 'rejected'],
      ['ok@x.test', 'sent'],
    ]);
    expect(
      (await relay2.suppressions.check(['inactive@x.test'])).get('inactive@x.test'),
    ).toMatchObject({
      reason: 'provider-suppressed',
      source: { type: 'rejected', provider: 'postmark' },
    });

    // The same refusal from a provider that declares nothing more: the code alone means
    // nothing to the relay, and without a hard SMTP reply the address is not suppressed.
    const other = testingProvider({ name: 'other' });
    const sendOther = other.send.bind(other);
    let otherCalls = 0;
    other.send = async (message, context) => {
      otherCalls += 1;
      if (otherCalls === 1)
        throw new RelayError({
          kind: 'recipient-rejected',
          provider: 'other',
          providerCode: '406',
          recipients: ['kept@x.test'],
          message: 'refused kept@x.test',
        });
      return sendOther(message, context);
    };
    const relay3 = createRelay({ providers: [other] });
    await relay3.send({ ...base, to: ['kept@x.test', 'ok@x.test'] });
    expect((await relay3.suppressions.check(['kept@x.test'])).size).toBe(0);
  });

  it('refuse mode fails the whole send naming the suppressed recipients', async () => {
    const relay = createRelay({ providers: [testingProvider()], suppression: { mode: 'refuse' } });
    await relay.suppressions.add('blocked@x.test', { by: 'support' });
    await expect(
      relay.send({ ...base, to: ['blocked@x.test', 'ok@x.test'] }),
    ).rejects.toMatchObject({ kind: 'suppressed', recipients: ['blocked@x.test'] });
  });

  it('removal by a person leaves an audit record, forgets strikes and makes the address sendable', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider] });
    for (let i = 0; i < 5; i += 1) await relay.ingest([soft('full@x.test', t0 + i * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).size).toBe(1);
    expect(
      await relay.suppressions.remove('Full@X.test', {
        by: 'ops@shop.test',
        reason: 'customer cleared the mailbox',
      }),
    ).toBe(true);
    expect(
      await relay.suppressions.remove('full@x.test', { by: 'ops@shop.test', reason: 'again' }),
    ).toBe(false);
    expect(await relay.suppressions.removals({ address: 'full@x.test' })).toEqual([
      expect.objectContaining({
        address: 'full@x.test',
        by: 'ops@shop.test',
        reason: 'customer cleared the mailbox',
        entry: expect.objectContaining({ reason: 'soft-bounce-limit' }),
      }),
    ]);
    expect((await relay.send({ ...base, to: 'full@x.test' })).status).toBe('sent');
    // Strikes were forgotten: one more soft bounce does not suppress again.
    await relay.ingest([soft('full@x.test', t0 + 5 * day)]);
    expect((await relay.suppressions.check(['full@x.test'])).size).toBe(0);
  });

  it('suppression: false turns it off', async () => {
    const provider = testingProvider();
    const relay = createRelay({ providers: [provider], suppression: false });
    await relay.ingest([event('complained', 'a@x.test')]);
    expect((await relay.send({ ...base, to: 'a@x.test' })).status).toBe('sent');
    await expect(relay.suppressions.list()).rejects.toMatchObject({ kind: 'config' });
  });

  it('export and import through relay.suppressions', async () => {
    const relay = createRelay({ providers: [testingProvider()] });
    await relay.suppressions.add(['a@x.test', '@dead.test'], { by: 'ops', detail: 'list cleanup' });
    const csv = await relay.suppressions.exportCsv();
    const other = createRelay({ providers: [testingProvider()] });
    expect(await other.suppressions.importCsv(csv)).toEqual({ imported: 2 });
    expect([...(await other.suppressions.check(['a@x.test', 'z@dead.test'])).keys()]).toEqual([
      'a@x.test',
      'z@dead.test',
    ]);
    await expect(relay.suppressions.add('not an address')).rejects.toMatchObject({
      kind: 'invalid',
      field: 'address',
    });
  });
});
