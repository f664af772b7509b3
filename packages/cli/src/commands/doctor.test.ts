import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type TestDnsServer } from '../../../doctor/src/testing/dns-server.ts';
import {
  dkimPublicKey,
  relayZone,
  sesResendDomain,
  sesTokens,
  withRecords,
} from '../../../doctor/src/testing/fixtures.ts';
import { run } from './harness.ts';

let dns: TestDnsServer;
let server: string;

beforeAll(async () => {
  const key = dkimPublicKey(2048);
  dns = await startDnsServer({
    ...relayZone(key),
    ...sesResendDomain('good.test', key),
    ...withRecords(sesResendDomain('nodmarc.test', key), '_dmarc.nodmarc.test', undefined),
  });
  server = `127.0.0.1:${dns.port}`;
});
afterAll(() => dns.close());

const ses = (domain: string) => [
  'doctor',
  domain,
  '--provider',
  'ses',
  '--region',
  'eu-west-1',
  '--mail-from',
  `mail.${domain}`,
  ...sesTokens.flatMap((t) => ['--selector', t]),
  '--dns',
  server,
];

describe('relaykit doctor', () => {
  it('passes a domain set up for SES, as a table, exit 0', async () => {
    const r = await run(ses('good.test'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^relaykit doctor: good\.test: PASS/u);
    expect(r.stdout).toMatch(/PASS {2}dkim/u);
    expect(r.stdout).not.toContain('\u001B[');
    expect(r.code).toBe(0);
  });

  it('colours the table on a terminal, unless NO_COLOR is set', async () => {
    expect((await run(ses('good.test'), { tty: true })).stdout).toContain('\u001B[32mPASS');
    expect(
      (await run(ses('good.test'), { tty: true, env: { NO_COLOR: '1' } })).stdout,
    ).not.toContain('\u001B[');
  });

  it('fails a domain without DMARC with the fix, exit 2, and prints JSON with --json', async () => {
    const r = await run(ses('nodmarc.test'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/FAIL {2}dmarc/u);
    expect(r.stdout).toContain('fix:');
    const json = await run([...ses('nodmarc.test'), '--json']);
    expect(json.code).toBe(2);
    const [report] = JSON.parse(json.stdout) as Array<{
      domain: string;
      status: string;
      checks: Array<{ area: string; status: string }>;
    }>;
    expect(report).toMatchObject({ domain: 'nodmarc.test', status: 'fail' });
    expect(report?.checks.some((c) => c.area === 'dmarc' && c.status === 'fail')).toBe(true);
  });

  it('checks several domains; the exit code is the worst', async () => {
    const r = await run([...ses('good.test'), 'nodmarc.test', '--json']);
    expect((JSON.parse(r.stdout) as Array<{ domain: string }>).map((x) => x.domain)).toEqual([
      'good.test',
      'nodmarc.test',
    ]);
    expect(r.code).toBe(2);
  });

  it('refuses a call without providers, domains or with a bad domain (exit 2)', async () => {
    expect((await run(['doctor', 'good.test'])).stderr).toMatch(/give --provider/u);
    expect((await run(['doctor', '--provider', 'ses'])).stderr).toMatch(
      /name at least one domain/u,
    );
    const bad = await run(['doctor', 'https://good.test', '--provider', 'ses', '--dns', server]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a domain name/u);
    expect(
      (await run(['doctor', 'good.test', '--provider', 'ses,resend', '--selector', 'mailgun:k1']))
        .stderr,
    ).toMatch(/names 'mailgun', which is not in --provider/u);
  });
});
