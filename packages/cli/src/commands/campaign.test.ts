import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '@relaykit/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { run, start } from './harness.ts';

const scratch = mkdtempSync(join(tmpdir(), 'relaykit-campaign-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A list on the simulator's documented test mailboxes (success+n@, bounce+n@). */
function list(name: string, n: number, bad: (i: number) => boolean = () => false): string {
  const rows = Array.from(
    { length: n },
    (_, i) =>
      `${bad(i) ? 'bounce' : 'success'}+${i}@simulator.amazonses.com,Reader ${i},${i % 2 ? 'pro' : 'free'}`,
  );
  const file = join(scratch, `${name}.csv`);
  writeFileSync(file, ['email,name,plan', ...rows].join('\n'));
  return file;
}

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^\[relaykit\] /u);
  expect(stderr).not.toMatch(/\n\s+at /u);
  return lines[0] as string;
};

describe('relaykit campaign run on the embedded simulator', () => {
  it('runs a clean list with only --csv and --template: canary, release, report, exit 0', async () => {
    const csv = list('clean', 60);
    const dir = join(scratch, 'clean-report');
    const r = await run(['campaign', 'run', '--csv', csv, '--template', 'welcome', '--dir', dir]);
    expect(r.stderr).not.toMatch(/\n\s+at /u);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Campaign clean-welcome completed: 60 of 60 recipients released.');
    expect(r.stdout).toMatch(/canary: 20 recipients, passed/u);
    // Progress on stderr: a line per phase, in order, ending with every message sent.
    const phases = [...r.stderr.matchAll(/^\[(canary|holding|releasing|completed)[\],]/gmu)].map(
      (m) => m[1],
    );
    expect(phases.filter((p, i) => p !== phases[i - 1])).toEqual([
      'canary',
      'holding',
      'releasing',
      'completed',
    ]);
    expect(r.stderr).toMatch(/^\[completed\] released 60\/60 · sent 60 /mu);
    const html = readFileSync(join(dir, 'relaykit-campaign-clean-welcome.html'), 'utf8');
    expect(html).toContain('<section class="campaign" data-status="completed"');
    expect(html).toContain(
      '<tr data-metric="hard-bounce"><th scope="row">hard-bounce</th><td>0%</td><td>5.0%</td>',
    );
    // The demo's report around it: headline figures and charts.
    expect(html).toContain('<section class="headline"');
    expect(html).toMatch(/<div class="figure" data-key="sent"><div class="value">60 /u);
  }, 60_000);

  it('stops a list that bounces at the canary: exit 2, the rest never sent', async () => {
    const csv = list('bad', 60, (i) => i % 3 === 0);
    const dir = join(scratch, 'bad-report');
    const r = await run([
      'campaign',
      'run',
      '--csv',
      csv,
      '--template',
      'welcome',
      '--canary-size',
      '12',
      '--dir',
      dir,
      '--json',
      '--no-progress',
    ]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as {
      status: string;
      released: number;
      sent: number;
      reason: string;
      canary: { verdict: string; breaches: Array<{ threshold: string }> };
      htmlReport: string;
    };
    expect(report.status).toBe('stopped');
    expect(report.released).toBe(12);
    expect(report.sent).toBe(12);
    expect(report.canary.verdict).toBe('breached');
    expect(report.canary.breaches[0]?.threshold).toBe('hard-bounce');
    expect(report.reason).toMatch(/^canary hard-bounce rate \d+\.\d% \(\d+ of 12\) is over 5\.0%/u);
    const html = readFileSync(report.htmlReport, 'utf8');
    expect(html).toContain('data-status="stopped"');
    expect(html).toContain('stopped at the canary: the rest of the list was not sent');
  }, 60_000);

  it('cancels on Ctrl-C and exits 130, with the report written', async () => {
    const csv = list('interrupted', 40);
    const r = start([
      'campaign',
      'run',
      '--csv',
      csv,
      '--template',
      'welcome',
      '--canary-settle',
      '30',
      '--dir',
      join(scratch, 'interrupted'),
    ]);
    await r.waitFor(/^\[holding\]/mu, 30_000);
    r.stop();
    expect(await r.done).toBe(130);
    expect(r.stdout()).toContain(
      'Campaign interrupted-welcome cancelled: 20 of 40 recipients released.',
    );
  }, 60_000);
});

describe('relaykit campaign run refuses bad input with one line', () => {
  const runWith = (csv: string, ...extra: string[]) =>
    run(['campaign', 'run', '--csv', csv, '--template', 'welcome', ...extra]);
  const file = (name: string, text: string) => {
    const path = join(scratch, name);
    writeFileSync(path, text);
    return path;
  };

  it('a file it cannot read (exit 1)', async () => {
    const r = await runWith(join(scratch, 'missing.csv'));
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(
      /cannot read --csv ".*missing\.csv" \(no such file\); give the path of a CSV file/u,
    );
    expect(oneLine((await runWith(scratch)).stderr)).toContain('(it is a folder)');
  });

  it('a list without an address column, naming what it found (exit 1)', async () => {
    const r = await runWith(file('no-address.csv', 'name,plan\nAnn,pro\n'));
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `[relaykit] recipients CSV line 1: no address column in the header ("name", "plan"); name the column of addresses 'email' (or 'address'); the other columns become template data`,
    );
  });

  it('a malformed row, naming its line (exit 1)', async () => {
    const ragged = await runWith(file('ragged.csv', 'email,name\na@x.test,Ann\nb@x.test\n'));
    expect(ragged.code).toBe(1);
    expect(oneLine(ragged.stderr)).toMatch(
      /^\[relaykit\] recipients CSV line 3: 1 field where the header has 2/u,
    );
    const quote = await runWith(file('quote.csv', 'email,name\na@x.test,"Ann\n'));
    expect(oneLine(quote.stderr)).toMatch(/line 2: a quoted field is never closed/u);
    const address = await runWith(file('address.csv', 'email\nnot-an-address\n'));
    expect(oneLine(address.stderr)).toMatch(
      /line 2: "not-an-address" is not an email address \(expected local@domain\); fix or delete the row$/u,
    );
    const empty = await runWith(file('empty.csv', ''));
    expect(oneLine(empty.stderr)).toMatch(/line 1: the file is empty/u);
  });

  it('a template the simulator does not have, listing those it has (exit 1)', async () => {
    const csv = list('template', 3);
    const r = await run(['campaign', 'run', '--csv', csv, '--template', 'welcom']);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(
      `[relaykit] campaign run: the simulator has no template "welcom"; use welcome, newsletter, password-reset, or give --provider to use your provider's own templates`,
    );
  });

  it.each([
    [['--canary-size', '0'], "--canary-size must be a whole number ≥ 1, not '0'"],
    [
      ['--canary-fraction', '1.5'],
      '--canary-fraction must be a share of the list above 0 and at most 1',
    ],
    [
      ['--per-second', 'fast'],
      "--per-second must be a number of messages per second above 0, not 'fast'",
    ],
    [
      ['--canary-size', '5', '--canary-fraction', '0.1'],
      'give --canary-size or --canary-fraction, not both',
    ],
    [['--id', 'no spaces'], '--id takes 1 to 64 letters'],
    [['--provider', 'sendgrid'], "unknown provider 'sendgrid'"],
  ])('bad flags %j (exit 64)', async (extra, message) => {
    const r = await runWith(list('flags', 2), ...extra);
    expect(r.code).toBe(64);
    expect(oneLine(r.stderr)).toContain(message);
  });

  it('a provider without its credentials names the variable (exit 64)', async () => {
    const r = await runWith(
      list('creds', 2),
      '--provider',
      'postmark',
      '--from',
      'a@news.example.com',
    );
    expect(r.code).toBe(64);
    expect(oneLine(r.stderr)).toContain('postmark webhooks need POSTMARK_WEBHOOK_SECRET');
    const token = await run(
      [
        'campaign',
        'run',
        '--csv',
        list('creds', 2),
        '--template',
        'welcome',
        '--provider',
        'postmark',
        '--from',
        'a@news.example.com',
      ],
      { env: { POSTMARK_WEBHOOK_SECRET: 'x' } },
    );
    expect(oneLine(token.stderr)).toContain(
      'postmark needs POSTMARK_SERVER_TOKEN in the environment',
    );
  });
});

describe('relaykit campaign run --provider (the simulator standing in for Postmark)', () => {
  const secret = 'campaign-cli-webhook-secret';
  async function withPostmark(template: string | undefined, argv: (csv: string) => string[]) {
    const sim = await startSimulator({
      seed: 'campaign-cli',
      webhooks: {
        secrets: { postmark: { header: { name: 'X-Relaykit-Webhook-Secret', value: secret } } },
      },
    });
    if (template)
      sim.templates.set(template, { subject: 'Hi {{name}}', text: 'Hello {{name}} ({{plan}})' });
    try {
      const r = start(['campaign', 'run', ...argv(list('provider', 30))], {
        env: {
          POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
          POSTMARK_BASE_URL: sim.url,
          POSTMARK_WEBHOOK_SECRET: secret,
        },
      });
      // The command says where its webhook listener is; the provider is pointed at it.
      const [, url] = await r.waitFor(/point postmark at (\S+)\/<provider>/u, 20_000);
      sim.setWebhookUrl('postmark', `${url}/postmark`);
      const code = await r.done;
      return { code, stdout: r.stdout(), stderr: r.stderr(), messages: sim.messages };
    } finally {
      await sim.stop();
    }
  }
  const flags = (csv: string) => [
    '--csv',
    csv,
    '--template',
    'spring',
    '--provider',
    'postmark',
    '--from',
    'Shop <news@news.shop.test>',
    '--listen',
    '127.0.0.1:0',
    '--canary-size',
    '5',
    '--canary-settle',
    '0.1',
    '--dir',
    join(scratch, 'provider'),
  ];

  it("sends the provider's template with each row's columns as its data", async () => {
    const r = await withPostmark('spring', flags);
    expect(r.stderr).not.toMatch(/\n\s+at /u);
    expect(r.code).toBe(0);
    expect(r.messages).toHaveLength(30);
    const first = r.messages.find((m) => m.to[0] === 'success+1@simulator.amazonses.com');
    expect(first).toMatchObject({ template: 'spring', subject: 'Hi Reader 1' });
    expect(first?.text).toBe('Hello Reader 1 (pro)');
  }, 60_000);

  it('stops at the first refusal of a template the account does not have (exit 1)', async () => {
    const r = await withPostmark(undefined, flags);
    expect(r.code).toBe(1);
    expect(r.messages).toHaveLength(0);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^\[relaykit\] campaign run: the provider refused template 'spring' \(.+\); create it in the provider's account, or name one it has$/u,
    );
  }, 60_000);
});
