import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from './harness.ts';
import { simulatorEnv } from './simulate.ts';

let sim: Simulator;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'cli-send' });
  env = simulatorEnv(sim);
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const message = [
  '--from',
  'Shop <orders@mail.shop.test>',
  '--to',
  'ada@example.org',
  '--subject',
  'Test from relaykit',
  '--text',
  'It works.',
];

interface Report {
  status: string;
  provider: string;
  providerMessageId: string;
  recipients: Array<{ address: string; status: string }>;
}

describe('relaykit send', () => {
  it.each(['postmark', 'ses', 'mailgun', 'resend'])(
    'sends one message through %s and prints the report',
    async (provider) => {
      const r = await run(['send', '--provider', provider, ...message], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^sent: \\S+ via ${provider} \\(`, 'u'));
      expect(r.stdout).toContain('  ada@example.org  sent');
      expect(sim.messages).toHaveLength(1);
      expect(sim.messages[0]).toMatchObject({
        provider,
        subject: 'Test from relaykit',
        to: ['ada@example.org'],
      });
    },
  );

  it('prints JSON with --json', async () => {
    const r = await run(
      ['send', '--provider', 'postmark', ...message, '--to', 'bob@example.org', '--json'],
      { env },
    );
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({
      status: 'sent',
      provider: 'postmark',
      providerMessageId: sim.messages[0]?.id,
    });
    expect(report.recipients.map((x) => x.address)).toEqual(['ada@example.org', 'bob@example.org']);
  });

  it('fails over to the next provider when the first is down', async () => {
    sim.fail({ provider: 'postmark', fault: 'unavailable' });
    const r = await run(['send', '--provider', 'postmark,resend', ...message, '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[relaykit] postmark failed (provider-unavailable); trying resend');
    expect((JSON.parse(r.stdout) as Report).provider).toBe('resend');
  });

  it('exits 1 when the recipient is rejected, and with the error line when the provider refuses', async () => {
    sim.fail({ provider: 'postmark', fault: 'inactive-recipient' });
    const rejected = await run(['send', '--provider', 'postmark', ...message], { env });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toMatch(/^not sent: /u);
    expect(rejected.stdout).toContain('ada@example.org  rejected');

    const denied = await run(['send', '--provider', 'postmark', ...message], {
      env: { ...env, POSTMARK_SERVER_TOKEN: 'wrong-token-value' },
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^\[relaykit\] \[postmark\] /u);
    expect(denied.stderr.trim().split('\n')).toHaveLength(1);
    expect(denied.stderr).not.toContain('wrong-token-value');
  });

  it('honours the suppression list of --store', async () => {
    const store = ['--store', 'sqlite::memory:'];
    // A memory database lives as long as one command; a file shows the list across commands.
    const file = `sqlite:${process.env['TMPDIR'] ?? '/tmp'}/relaykit-send-${process.pid}-${Date.now()}.db`;
    expect((await run(['suppression', 'add', 'ada@example.org', '--store', file])).code).toBe(0);
    const r = await run(['send', '--provider', 'postmark', ...message, '--store', file], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ada@example.org  suppressed  manual');
    expect(sim.messages).toHaveLength(0);
    expect(
      (await run(['send', '--provider', 'postmark', ...message, ...store], { env })).code,
    ).toBe(0);
  });

  it('says what is missing (exit 64)', async () => {
    const r = await run(['send', '--provider', 'postmark', '--to', 'ada@example.org'], { env });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/give --from, --subject, --text or --html/u);
    const noDomain = await run(['send', '--provider', 'mailgun', ...message], {
      env: { MAILGUN_API_KEY: 'key-secret-value' },
    });
    expect(noDomain.stderr).toMatch(/mailgun needs MAILGUN_DOMAIN in the environment/u);
    expect(noDomain.stderr).not.toContain('key-secret-value');
  });
});
