import { createSocket, type Socket } from 'node:dgram';
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

  it('fails a domain without DMARC with the fix, exit 1, and prints JSON with --json', async () => {
    const r = await run(ses('nodmarc.test'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}dmarc/u);
    expect(r.stdout).toContain('fix:');
    const json = await run([...ses('nodmarc.test'), '--json']);
    expect(json.code).toBe(1);
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
    expect(r.code).toBe(1);
  });

  it('refuses a call without providers, domains or with a bad domain (exit 64)', async () => {
    expect((await run(['doctor', 'good.test'])).stderr).toMatch(/give --provider/u);
    expect((await run(['doctor', '--provider', 'ses'])).stderr).toMatch(
      /name at least one domain/u,
    );
    const bad = await run(['doctor', 'https://good.test', '--provider', 'ses', '--dns', server]);
    expect(bad.code).toBe(64);
    expect((await run([...ses('good.test'), '--dns-timeout', 'soon'])).code).toBe(64);
    expect(bad.stderr).toMatch(/is not a domain name/u);
    expect(
      (await run(['doctor', 'good.test', '--provider', 'ses,resend', '--selector', 'mailgun:k1']))
        .stderr,
    ).toMatch(/names 'mailgun', which is not in --provider/u);
  });
});

/** Checks whose lookups failed are NOT CHECKED with the reason, never met; exit 2. */
describe('relaykit doctor with DNS unreachable', () => {
  let silent: Socket;
  let silentPort: number;
  let closedPort: number;
  beforeAll(async () => {
    // A server that never answers (a DNS timeout), and a port nothing listens on (offline).
    silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    silentPort = silent.address().port;
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    closedPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(() => silent.close());

  const at = (port: number, ...extra: string[]) =>
    ses('good.test')
      .map((a) => (a === server ? `127.0.0.1:${port}` : a))
      .concat(extra);

  it.each([
    ['refused', () => at(closedPort), /query failed \(ECONNREFUSED\)/u],
    ['timing out', () => at(silentPort, '--dns-timeout', '100'), /query failed \(ETIMEOUT\)/u],
  ])('a server %s: every check NOT CHECKED with the reason, exit 2', async (_, args, reason) => {
    const r = await run(args());
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^relaykit doctor: good\.test: NOT CHECKED/u);
    expect(r.stdout).toMatch(reason);
    expect(r.stdout).toMatch(/NOT CHECKED {2}dmarc/u);
    expect(r.stdout).not.toMatch(/^PASS/mu);
    // The bulk-sender checklist does not claim what it could not see.
    expect(r.stdout).not.toMatch(/found: met: DMARC record/u);
    expect(r.stdout).toMatch(/found: not checked: DMARC record/u);
    const [report] = JSON.parse((await run([...args(), '--json'])).stdout) as Array<{
      checks: Array<{ status: string; fix?: string }>;
    }>;
    expect(report?.checks.every((c) => c.status === 'unchecked')).toBe(true);
    expect(report?.checks.every((c) => c.fix !== undefined && c.fix !== '')).toBe(true);
  });

  it('a known problem outranks an unknown one: exit 1', async () => {
    // No selectors given: the doctor knows it cannot check DKIM (a warning), whatever DNS does.
    const r = await run([
      'doctor',
      'good.test',
      '--provider',
      'ses',
      '--dns',
      `127.0.0.1:${closedPort}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT CHECKED {2}dmarc/u);
  });
});

describe('relaykit doctor hints', () => {
  it('name the flags a user types, not library options', async () => {
    const r = await run(['doctor', 'good.test', '--provider', 'ses', '--dns', server]);
    expect(r.stdout).toContain('--selector ses:<selector>');
    expect(r.stdout).toContain('--mail-from mail.good.test');
    expect(r.stdout).not.toMatch(/dkimSelectors|mailFrom\b/u);
  });

  it('documents the exit codes in --help', async () => {
    const r = await run(['doctor', '--help']);
    expect(r.stdout).toMatch(/0 +every check is met/u);
    expect(r.stdout).toMatch(/2 +none is known to be unmet, but some could not be checked/u);
    expect(r.stdout).toMatch(/64 +usage mistake/u);
  });
});
