import { generateKeyPairSync } from 'node:crypto';
import type { FixtureRecord, FixtureZone } from './dns-server.ts';

/** A DKIM public key as published in p= (base64 SubjectPublicKeyInfo), made fresh for each run. */
export function dkimPublicKey(bits: number): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
}

export const sesTokens = [
  '4pr7hy5ywnrxk3lxkcq2ljcxmbu6lwbs',
  'qd3ikzpxkwwjr2xdavmaxq5vhb6cnu2e',
  'zk6e4rxvtp7xh3nqjbl2mzxdltsjc2ba',
] as const;

export const amazonsesSpf =
  'v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 ip4:76.223.128.0/19 -all';

/** The relays' own names that the fixture domains point at. */
export function relayZone(key: string): FixtureZone {
  const zone: FixtureZone = {
    'amazonses.com': [{ type: 'TXT', data: amazonsesSpf }],
    'spf.protection.outlook.com': [
      { type: 'TXT', data: 'v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 -all' },
    ],
    'mailgun.org': [{ type: 'TXT', data: 'v=spf1 include:_spf.mailgun.org ~all' }],
    '_spf.mailgun.org': [
      {
        type: 'TXT',
        data: 'v=spf1 ip4:209.61.151.0/24 ip4:166.78.68.0/22 ip4:198.61.254.0/23 -all',
      },
    ],
    'pm.mtasv.net': [{ type: 'TXT', data: 'v=spf1 include:spf.mtasv.net ~all' }],
    'spf.mtasv.net': [
      { type: 'TXT', data: 'v=spf1 ip4:50.31.156.96/27 ip4:104.245.209.192/26 -all' },
    ],
  };
  for (const token of sesTokens)
    zone[`${token}.dkim.amazonses.com`] = [{ type: 'TXT', data: `p=${key}` }];
  return zone;
}

/**
 * A domain sending through SES (Easy DKIM, custom MAIL FROM mail.<d> in eu-west-1) and Resend
 * (resend._domainkey, send.<d>), with DMARC quarantine and reports: everything a check wants.
 */
export function sesResendDomain(d: string, key: string): FixtureZone {
  const zone: FixtureZone = {
    [d]: [
      { type: 'SOA', data: { mname: `ns1.${d}`, rname: `hostmaster.${d}`, serial: 2026030101 } },
      { type: 'MX', data: { preference: 10, exchange: `inbound-smtp.${d}` } },
      // Apex TXT sets are long in practice; this one does not fit a 512-byte UDP answer.
      { type: 'TXT', data: 'google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ' },
      { type: 'TXT', data: 'MS=ms38472910' },
      { type: 'TXT', data: 'apple-domain-verification=Qm9vdHN0cmFwcGVkRG9tYWlu' },
      { type: 'TXT', data: 'facebook-domain-verification=x8y1kq2z9l0m3n4b5v6c7x8z9a0s1d' },
      {
        type: 'TXT',
        data: 'atlassian-domain-verification=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8',
      },
      { type: 'TXT', data: 'docusign=1b0a6754-49b1-4db5-8540-d2c12664b289' },
      {
        type: 'TXT',
        data: 'stripe-verification=5a1e8c7bd3c84e0f9a0e5e6f1b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c',
      },
    ],
    [`_dmarc.${d}`]: [
      { type: 'TXT', data: `v=DMARC1; p=quarantine; rua=mailto:dmarc@${d}; adkim=r; aspf=r` },
    ],
    [`mail.${d}`]: [
      { type: 'MX', data: { preference: 10, exchange: 'feedback-smtp.eu-west-1.amazonses.com' } },
      { type: 'TXT', data: 'v=spf1 include:amazonses.com ~all' },
    ],
    [`send.${d}`]: [
      { type: 'MX', data: { preference: 10, exchange: 'feedback-smtp.us-east-1.amazonses.com' } },
      { type: 'TXT', data: 'v=spf1 include:amazonses.com ~all' },
    ],
    [`resend._domainkey.${d}`]: [{ type: 'TXT', data: `p=${key}` }],
  };
  for (const token of sesTokens)
    zone[`${token}._domainkey.${d}`] = [{ type: 'CNAME', data: `${token}.dkim.amazonses.com` }];
  return zone;
}

/** Options matching sesResendDomain: SES with its tokens and return path in eu-west-1, plus Resend. */
export function sesResendOptions(d: string, sesMailFrom = `mail.${d}`) {
  return {
    providers: [
      {
        name: 'ses' as const,
        region: 'eu-west-1',
        mailFrom: sesMailFrom,
        dkimSelectors: [...sesTokens],
      },
      { name: 'resend' as const },
    ],
  };
}

/** Replaces (or with [] removes) records of one name. */
export function withRecords(
  zone: FixtureZone,
  name: string,
  records: FixtureRecord[] | undefined,
): FixtureZone {
  const copy = { ...zone };
  if (records === undefined) delete copy[name];
  else copy[name] = records;
  return copy;
}
