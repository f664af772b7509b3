import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDomain } from './check-domain.ts';
import type { CheckDomainOptions } from './options.ts';
import { exitCodeFor, type Check, type DomainReport } from './report.ts';
import { startDnsServer, type FixtureZone, type TestDnsServer } from './testing/dns-server.ts';
import {
  dkimPublicKey,
  relayZone,
  sesResendDomain,
  sesResendOptions,
  sesTokens,
  withRecords,
} from './testing/fixtures.ts';

let server: TestDnsServer;
let resolver: Resolver;
const key = dkimPublicKey(2048);
const otherKey = dkimPublicKey(2048);
const weakKey = dkimPublicKey(512);
const shortKey = dkimPublicKey(1024);

const spf = (data: string) => ({ type: 'TXT' as const, data });
const mailFromRecords = (txt: string[]) => [
  {
    type: 'MX' as const,
    data: { preference: 10, exchange: 'feedback-smtp.eu-west-1.amazonses.com' },
  },
  ...txt.map(spf),
];

function buildZone(): FixtureZone {
  let zone: FixtureZone = { ...relayZone(key) };
  const add = (z: FixtureZone) => {
    zone = { ...zone, ...z };
  };
  const domain = (d: string, change: (z: FixtureZone) => FixtureZone = (z) => z) =>
    add(change(sesResendDomain(d, key)));

  domain('good.test');
  add({
    [`resend._domainkey.news.good.test`]: [{ type: 'TXT', data: `p=${otherKey}` }],
    'news.good.test': [
      { type: 'MX', data: { preference: 10, exchange: 'inbound-smtp.good.test' } },
    ],
  });

  domain('nospf.test', (z) => withRecords(z, 'mail.nospf.test', mailFromRecords([])));
  domain('twospf.test', (z) =>
    withRecords(
      z,
      'mail.twospf.test',
      mailFromRecords(['v=spf1 include:amazonses.com ~all', 'v=spf1 include:mailgun.org ~all']),
    ),
  );
  domain('noinclude.test', (z) =>
    withRecords(
      z,
      'mail.noinclude.test',
      mailFromRecords(['v=spf1 include:spf.protection.outlook.com -all']),
    ),
  );
  const many = Array.from({ length: 11 }, (_, i) => `include:s${i + 1}.toomany.test`).join(' ');
  domain('toomany.test', (z) =>
    withRecords(
      z,
      'mail.toomany.test',
      mailFromRecords([`v=spf1 ${many} include:amazonses.com ~all`]),
    ),
  );
  for (let i = 1; i <= 11; i++)
    add({ [`s${i}.toomany.test`]: [spf(`v=spf1 ip4:203.0.113.${i} -all`)] });
  domain('voids.test', (z) =>
    withRecords(
      z,
      'mail.voids.test',
      mailFromRecords([
        'v=spf1 a:gone1.voids.test a:gone2.voids.test mx:gone3.voids.test include:amazonses.com ~all',
      ]),
    ),
  );

  domain('nodkim.test', (z) => withRecords(z, 'resend._domainkey.nodkim.test', undefined));
  domain('nosesdkim.test', (z) =>
    withRecords(z, `${sesTokens[1]}._domainkey.nosesdkim.test`, undefined),
  );
  domain('revoked.test', (z) =>
    withRecords(z, 'resend._domainkey.revoked.test', [{ type: 'TXT', data: 'v=DKIM1; k=rsa; p=' }]),
  );
  domain('weak.test', (z) =>
    withRecords(z, 'resend._domainkey.weak.test', [
      { type: 'TXT', data: `v=DKIM1; k=rsa; p=${weakKey}` },
    ]),
  );
  domain('short.test', (z) =>
    withRecords(z, 'resend._domainkey.short.test', [
      { type: 'TXT', data: `v=DKIM1; k=rsa; p=${shortKey}` },
    ]),
  );

  domain('nodmarc.test', (z) => withRecords(z, '_dmarc.nodmarc.test', undefined));
  domain('twodmarc.test', (z) =>
    withRecords(z, '_dmarc.twodmarc.test', [
      spf('v=DMARC1; p=reject; rua=mailto:a@twodmarc.test'),
      spf('v=DMARC1; p=none'),
    ]),
  );
  domain('pnone.test', (z) =>
    withRecords(z, '_dmarc.pnone.test', [spf('v=DMARC1; p=none; rua=mailto:dmarc@pnone.test')]),
  );
  domain('norua.test', (z) => withRecords(z, '_dmarc.norua.test', [spf('v=DMARC1; p=reject')]));
  domain('strict.test', (z) =>
    withRecords(z, '_dmarc.strict.test', [
      spf('v=DMARC1; p=reject; aspf=s; rua=mailto:d@strict.test'),
    ]),
  );
  domain('sub.org.test', (z) => withRecords(z, '_dmarc.sub.org.test', undefined));
  add({ '_dmarc.org.test': [spf('v=DMARC1; p=reject; sp=none; rua=mailto:d@org.test')] });

  domain('misaligned.test');
  add({ 'bounce.elsewhere.test': mailFromRecords(['v=spf1 include:amazonses.com ~all']) });
  domain('wrongmx.test', (z) =>
    withRecords(z, 'send.wrongmx.test', [
      { type: 'MX', data: { preference: 10, exchange: 'feedback-smtp.eu-west-1.amazonses.com' } },
      spf('v=spf1 include:amazonses.com ~all'),
    ]),
  );

  domain('nullmx.test', (z) =>
    withRecords(z, 'nullmx.test', [
      { type: 'SOA', data: { mname: 'ns1.nullmx.test', rname: 'h.nullmx.test' } },
      { type: 'MX', data: { preference: 0, exchange: '.' } },
    ]),
  );
  domain('nomx.test', (z) =>
    withRecords(z, 'nomx.test', [
      { type: 'SOA', data: { mname: 'ns1.nomx.test', rname: 'h.nomx.test' } },
    ]),
  );

  domain('shared.test');
  add({ 'resend._domainkey.news.shared.test': [{ type: 'TXT', data: `p=${key}` }] });

  // Postmark (custom return path and DKIM) and Mailgun (the domain is its own return path, k1 key).
  add({
    'pmmg.test': [
      { type: 'SOA', data: { mname: 'ns1.pmmg.test', rname: 'hostmaster.pmmg.test' } },
      { type: 'MX', data: { preference: 10, exchange: 'mxa.mailgun.org' } },
      { type: 'MX', data: { preference: 10, exchange: 'mxb.mailgun.org' } },
      spf('v=spf1 include:mailgun.org ~all'),
    ],
    '_dmarc.pmmg.test': [spf('v=DMARC1; p=reject; rua=mailto:dmarc@pmmg.test')],
    'pm-bounces.pmmg.test': [{ type: 'CNAME', data: 'pm.mtasv.net' }],
    '20240101000000pm._domainkey.pmmg.test': [{ type: 'TXT', data: `k=rsa;p=${key}` }],
    'k1._domainkey.pmmg.test': [{ type: 'TXT', data: `k=rsa; p=${otherKey}` }],
  });
  return zone;
}

beforeAll(async () => {
  server = await startDnsServer(buildZone());
  resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
});
afterAll(() => server.close());

const run = (d: string, options: Partial<CheckDomainOptions> = {}) =>
  checkDomain(d, { ...sesResendOptions(d), resolver, ...options });

function find(report: DomainReport, id: string, subject?: string): Check {
  const found = report.checks.find(
    (c) => c.id === id && (subject === undefined || c.subject === subject),
  );
  if (!found)
    throw new Error(
      `no check ${id} ${subject ?? ''} in ${report.checks.map((c) => `${c.id}:${c.subject}`).join(', ')}`,
    );
  return found;
}

const notPassing = (r: DomainReport) =>
  r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.status} ${c.id} ${c.subject}`);

describe('checkDomain against a DNS server on 127.0.0.1', () => {
  it('passes a domain set up for SES and Resend, over a real resolver (UDP, and TCP for long keys)', async () => {
    const report = await run('good.test', {
      streams: {
        transactional: { domains: ['good.test'] },
        marketing: { domains: ['news.good.test'], bulk: true, oneClickUnsubscribe: true },
      },
    });
    expect(notPassing(report)).toEqual([]);
    expect(report.status).toBe('pass');
    expect(exitCodeFor([report])).toBe(0);
    expect(find(report, 'spf.evaluation', 'mail.good.test').evidence.join('\n')).toMatch(
      /DNS lookups: 1 of 10; void lookups: 0 of 2/u,
    );
    expect(find(report, 'dkim.key', `${sesTokens[0]}._domainkey.good.test`).evidence).toContain(
      `CNAME ${sesTokens[0]}._domainkey.good.test → ${sesTokens[0]}.dkim.amazonses.com`,
    );
    expect(find(report, 'dkim.key', 'resend._domainkey.good.test').evidence.join(' ')).toMatch(
      /2048 bits/u,
    );
    expect(find(report, 'alignment.dmarc', 'Amazon SES').evidence[0]).toMatch(
      /MAIL FROM mail\.good\.test: aligned/u,
    );
    expect(find(report, 'bulk-sender.gmail-yahoo').status).toBe('pass');
    // The apex TXT set does not fit a 512-byte UDP answer: the server truncated it and c-ares retried over TCP.
    expect(server.tcpQueries).toContain('TXT good.test');
  });

  it('passes Postmark (return-path CNAME, its selector) and Mailgun (the domain as return path, k1)', async () => {
    const report = await checkDomain('pmmg.test', {
      providers: [{ name: 'postmark', dkimSelectors: ['20240101000000pm'] }, 'mailgun'],
      resolver,
    });
    expect(notPassing(report)).toEqual([]);
    expect(find(report, 'mail-from.setup', 'pm-bounces.pmmg.test').evidence).toEqual([
      'CNAME pm-bounces.pmmg.test → pm.mtasv.net',
    ]);
    expect(find(report, 'spf.include', 'pmmg.test').evidence[0]).toMatch(/include:mailgun\.org/u);
  });

  it('fails when the return path has no SPF record', async () => {
    const c = find(await run('nospf.test'), 'spf.record', 'mail.nospf.test');
    expect(c.status).toBe('fail');
    expect(c.fix).toContain(
      'Publish one TXT record at mail.nospf.test: "v=spf1 include:amazonses.com ~all"',
    );
  });

  it('fails on two SPF records', async () => {
    const c = find(await run('twospf.test'), 'spf.record', 'mail.twospf.test');
    expect(c.status).toBe('fail');
    expect(c.evidence).toHaveLength(2);
    expect(c.fix).toMatch(/Merge the 2 SPF records at mail\.twospf\.test into one.*permerror/u);
  });

  it('fails when SPF lacks the relay include', async () => {
    const report = await run('noinclude.test');
    const c = find(report, 'spf.include', 'mail.noinclude.test');
    expect(c.status).toBe('fail');
    expect(c.fix).toContain('Add include:amazonses.com to the SPF record at mail.noinclude.test');
    expect(c.fix).toContain(
      '"v=spf1 include:spf.protection.outlook.com include:amazonses.com -all"',
    );
  });

  it('fails SPF that needs more than 10 DNS lookups (mailauth evaluation)', async () => {
    const c = find(await run('toomany.test'), 'spf.evaluation', 'mail.toomany.test');
    expect(c.status).toBe('fail');
    expect(c.evidence[0]).toMatch(/permerror/u);
    expect(c.fix).toMatch(/more than 10 DNS lookups \(RFC 7208 §4\.6\.4\)/u);
  });

  it('fails SPF with more than 2 void lookups and names them', async () => {
    const c = find(await run('voids.test'), 'spf.evaluation', 'mail.voids.test');
    expect(c.status).toBe('fail');
    expect(c.fix).toMatch(/more than 2 lookups that return no record/u);
    expect(c.fix).toContain('gone1.voids.test, gone2.voids.test, gone3.voids.test');
  });

  it('fails a missing DKIM record, for a TXT selector and for an SES Easy DKIM CNAME', async () => {
    const txt = find(await run('nodkim.test'), 'dkim.key', 'resend._domainkey.nodkim.test');
    expect(txt.status).toBe('fail');
    expect(txt.fix).toContain(
      'Publish the DKIM TXT record resend._domainkey.nodkim.test (Resend → Domains → the domain)',
    );
    const cname = find(
      await run('nosesdkim.test'),
      'dkim.key',
      `${sesTokens[1]}._domainkey.nosesdkim.test`,
    );
    expect(cname.status).toBe('fail');
    expect(cname.fix).toContain(
      `Publish CNAME ${sesTokens[1]}._domainkey.nosesdkim.test → ${sesTokens[1]}.dkim.amazonses.com`,
    );
  });

  it('fails a revoked DKIM key (empty p=)', async () => {
    const c = find(await run('revoked.test'), 'dkim.key', 'resend._domainkey.revoked.test');
    expect(c.status).toBe('fail');
    expect(c.fix).toMatch(/is revoked \(empty p=\)/u);
  });

  it('fails a 512-bit DKIM key and warns on 1024 bits', async () => {
    const weak = find(await run('weak.test'), 'dkim.key', 'resend._domainkey.weak.test');
    expect(weak.status).toBe('fail');
    expect(weak.evidence).toContain('k=rsa, 512 bits');
    expect(weak.fix).toMatch(
      /512-bit key .* too short: RFC 8301 requires at least 1024 bits.*generate a 2048-bit key/u,
    );
    const short = find(await run('short.test'), 'dkim.key', 'resend._domainkey.short.test');
    expect(short.status).toBe('warn');
    expect(short.fix).toMatch(/Rotate .* to a 2048-bit key/u);
  });

  it('fails without DMARC', async () => {
    const report = await run('nodmarc.test');
    const c = find(report, 'dmarc.record');
    expect(c.status).toBe('fail');
    expect(c.fix).toContain(
      'Publish TXT _dmarc.nodmarc.test: "v=DMARC1; p=none; rua=mailto:dmarc-reports@nodmarc.test"',
    );
    expect(find(report, 'bulk-sender.gmail-yahoo').status).toBe('fail');
    expect(exitCodeFor([report])).toBe(1);
  });

  it('fails two DMARC records', async () => {
    const c = find(await run('twodmarc.test'), 'dmarc.record');
    expect(c.status).toBe('fail');
    expect(c.fix).toMatch(/Keep exactly one DMARC record at _dmarc\.twodmarc\.test/u);
  });

  it('warns on p=none, and on a missing rua', async () => {
    const none = await run('pnone.test');
    expect(find(none, 'dmarc.policy').status).toBe('warn');
    expect(find(none, 'dmarc.policy').fix).toMatch(/p=none only monitors.*set p=quarantine/u);
    expect(find(none, 'bulk-sender.gmail-yahoo').status).toBe('pass');
    expect(none.status).toBe('warn');
    expect(exitCodeFor([none])).toBe(1);
    const rua = find(await run('norua.test'), 'dmarc.rua');
    expect(rua.status).toBe('warn');
    expect(rua.fix).toContain('Add rua=mailto:dmarc-reports@norua.test to _dmarc.norua.test');
  });

  it('falls back to the organisational domain and applies sp=', async () => {
    const report = await run('sub.org.test');
    expect(find(report, 'dmarc.record').subject).toBe('_dmarc.org.test');
    expect(report.organizationalDomain).toBe('org.test');
    expect(find(report, 'dmarc.policy').evidence[0]).toMatch(
      /sp=none .*inherited by sub\.org\.test/u,
    );
    expect(find(report, 'dmarc.policy').status).toBe('warn');
  });

  it('reports a MAIL FROM domain that does not align with From', async () => {
    const report = await run(
      'misaligned.test',
      sesResendOptions('misaligned.test', 'bounce.elsewhere.test'),
    );
    const c = find(report, 'alignment.dmarc', 'Amazon SES');
    expect(c.status).toBe('warn');
    expect(c.evidence[0]).toBe(
      'MAIL FROM bounce.elsewhere.test: not aligned with misaligned.test (aspf=r, relaxed)',
    );
    expect(c.fix).toContain(
      'The MAIL FROM domain bounce.elsewhere.test is outside misaligned.test, so SPF cannot align: use a return-path subdomain of misaligned.test such as mail.misaligned.test',
    );
  });

  it('explains strict SPF alignment against a relaxed-aligned return path', async () => {
    const c = find(await run('strict.test'), 'alignment.dmarc', 'Amazon SES');
    expect(c.status).toBe('warn');
    expect(c.fix).toMatch(/aspf=s needs the MAIL FROM domain to equal strict\.test exactly/u);
  });

  it('fails a return path whose MX does not point back at the relay region', async () => {
    const c = find(await run('wrongmx.test'), 'mail-from.setup', 'send.wrongmx.test');
    expect(c.status).toBe('fail');
    expect(c.fix).toContain(
      'Set the MX of send.wrongmx.test to feedback-smtp.us-east-1.amazonses.com (region us-east-1)',
    );
  });

  it('warns when SES uses its own MAIL FROM, and DMARC then rests on DKIM', async () => {
    const report = await run('good.test', {
      providers: [{ name: 'ses', region: 'eu-west-1', dkimSelectors: [...sesTokens] }],
    });
    const c = find(report, 'mail-from.setup', 'amazonses.com');
    expect(c.status).toBe('warn');
    expect(c.fix).toContain(
      'publish mail.good.test MX 10 feedback-smtp.eu-west-1.amazonses.com and TXT "v=spf1 include:amazonses.com ~all"',
    );
    expect(find(report, 'alignment.dmarc', 'Amazon SES').fix).toMatch(
      /^DMARC passes on DKIM alone/u,
    );
  });

  it('fails a null MX and warns on a missing MX', async () => {
    const nullMx = find(await run('nullmx.test'), 'mx.records');
    expect(nullMx.status).toBe('fail');
    expect(nullMx.fix).toMatch(/null MX \("MX 0 \."\).*X\.7\.27.*Remove the null MX/u);
    const noMx = find(await run('nomx.test'), 'mx.records');
    expect(noMx.status).toBe('warn');
    expect(noMx.fix).toContain('Publish MX records for nomx.test');
  });

  it('fails a domain that does not exist', async () => {
    const report = await run('missing.test');
    expect(find(report, 'mx.soa').status).toBe('fail');
    expect(find(report, 'mx.soa').fix).toContain('missing.test does not exist in DNS');
  });

  it('flags two streams on one domain', async () => {
    const c = find(
      await run('good.test', {
        streams: {
          transactional: { domains: ['good.test'] },
          outreach: { domains: ['good.test'] },
        },
      }),
      'streams.shared-domain',
    );
    expect(c.status).toBe('fail');
    expect(c.fix).toContain(
      "Give each stream its own domain (e.g. keep good.test for 'transactional' and move 'outreach' to a subdomain such as news.good.test)",
    );
  });

  it('flags a bulk stream without one-click unsubscribe', async () => {
    const report = await run('good.test', {
      streams: { newsletter: { domains: ['good.test'], bulk: true } },
    });
    const c = find(report, 'streams.one-click-unsubscribe', "stream 'newsletter'");
    expect(c.status).toBe('fail');
    expect(c.fix).toContain("listUnsubscribe: { url: 'https://…', oneClick: true }");
    expect(c.fix).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(find(report, 'bulk-sender.gmail-yahoo').status).toBe('fail');
    expect(find(report, 'bulk-sender.microsoft').status).toBe('pass');
  });

  it('flags one DKIM key shared by a domain and its stream subdomain', async () => {
    const report = await run('shared.test', {
      streams: {
        transactional: { domains: ['shared.test'] },
        marketing: { domains: ['news.shared.test'], bulk: true, oneClickUnsubscribe: true },
      },
    });
    const c = find(report, 'streams.shared-dkim-key', 'resend._domainkey.shared.test');
    expect(c.status).toBe('warn');
    expect(c.evidence[0]).toContain('resend._domainkey.news.shared.test');
    expect(c.fix).toContain('Generate a separate DKIM key for each stream');
  });

  it('flags a subdomain reusing the key of its organisational domain, without streams', async () => {
    const c = find(await run('news.shared.test'), 'streams.shared-dkim-key');
    expect(c.subject).toBe('resend._domainkey.news.shared.test');
    expect(c.evidence[0]).toContain('resend._domainkey.shared.test');
  });

  it('asks for the selectors it cannot guess', async () => {
    const report = await checkDomain('good.test', { providers: ['postmark'], resolver });
    expect(find(report, 'dkim.selectors', 'Postmark').fix).toMatch(/20240101000000pm/u);
    expect(find(report, 'alignment.dmarc', 'Postmark').status).toBe('fail');
  });

  it('rejects bad options with a [relaykit] [doctor] error', async () => {
    await expect(
      checkDomain('https://good.test', { providers: ['ses'], resolver }),
    ).rejects.toThrow(
      /^\[relaykit\] \[doctor\] domain 'https:\/\/good\.test' is not a domain name/u,
    );
    await expect(checkDomain('good.test', { providers: [], resolver })).rejects.toThrow(
      /\[relaykit\] \[doctor\] no providers given/u,
    );
    // @ts-expect-error: an unknown relay, as a JavaScript caller might pass
    await expect(checkDomain('good.test', { providers: ['sendgrid'], resolver })).rejects.toThrow(
      /unknown provider 'sendgrid'; use one of ses, postmark, mailgun, resend/u,
    );
  });
});

describe('formatReport on a real report', () => {
  it('prints every check of a broken domain with its fix', async () => {
    const { formatReport } = await import('./format.ts');
    const report = await run('voids.test', {
      streams: { newsletter: { domains: ['voids.test'], bulk: true } },
    });
    const text = formatReport(report);
    if (process.env['RELAYKIT_DOCTOR_PRINT']) console.log(text);
    expect(text.split('\n')[0]).toBe(
      `relaykit doctor: voids.test: FAIL (${report.checks.filter((c) => c.status === 'pass').length} pass, 0 warn, 4 fail)`,
    );
    expect(text).toMatch(/^FAIL {2}spf +SPF evaluation \(RFC 7208\) +mail\.voids\.test$/mu);
    expect(text).toContain(
      '      fix: The SPF record at mail.voids.test makes more than 2 lookups',
    );
  });
});
