import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresStores } from '@relaykit/postgres';
import { redisStores } from '@relaykit/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'relaykit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const probe = redisStores(redisUrl);
const redisUp = await probe.ready().then(
  () => true,
  () => false,
);
if (!redisUp) await probe.close().catch(() => undefined);

interface Entry {
  address: string;
  stream: string | null;
  reason: string;
}

function suite(store: string[]) {
  const cmd = (...args: string[]) => run(['suppression', ...args, ...store]);

  it('adds, lists, exports, removes (audited) and imports again', async () => {
    expect((await cmd('list', '--json')).stdout).toBe('[]\n');
    const added = await cmd('add', 'Ada@Example.org', '@blocked.example', '--reason', 'complaint');
    expect(added).toMatchObject({
      code: 0,
      stdout: 'suppressed ada@example.org, @blocked.example (complaint)\n',
    });
    expect(
      (await cmd('add', 'bob@example.org', '--stream', 'outreach', '--reason', 'unsubscribe')).code,
    ).toBe(0);

    const listed = JSON.parse((await cmd('list', '--json')).stdout) as Entry[];
    // Oldest first; the first two were added at the same instant.
    expect(listed.map((e) => [e.address, e.stream, e.reason]).sort()).toEqual([
      ['@blocked.example', null, 'complaint'],
      ['ada@example.org', null, 'complaint'],
      ['bob@example.org', 'outreach', 'unsubscribe'],
    ]);
    expect((await cmd('list', '--stream', 'outreach')).stdout).toMatch(
      /^bob@example\.org {2}outreach {2}unsubscribe/u,
    );

    const file = join(dir, `export-${Math.random().toString(36).slice(2)}.csv`);
    const exported = await cmd('export', file);
    expect(exported.stderr).toBe(`exported 3 suppressions to ${file}\n`);
    const csv = readFileSync(file, 'utf8');
    expect(csv.split('\r\n')[0]).toBe(
      'address,stream,reason,first_seen,last_seen,expires_at,source_event_id,source_provider,source_type,source_detail',
    );
    expect((await cmd('export')).stdout).toBe(csv);

    const refused = await cmd('remove', 'ada@example.org');
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/--by <who> and --reason <why> are required/u);
    const removed = await cmd(
      'remove',
      'ada@example.org',
      '--by',
      'support@shop.test',
      '--reason',
      'ticket 42: asked to get mail again',
    );
    expect(removed).toMatchObject({ code: 0 });
    expect(removed.stdout).toContain('audited as by support@shop.test: ticket 42');
    expect((await cmd('remove', 'ada@example.org', '--by', 'x', '--reason', 'y')).code).toBe(1);
    expect(
      (JSON.parse((await cmd('list', '--json')).stdout) as Entry[]).map((e) => e.address).sort(),
    ).toEqual(['@blocked.example', 'bob@example.org']);

    const imported = await run(['suppression', 'import', ...store], { stdin: csv });
    expect(imported.stdout).toMatch(/^imported 3 suppressions \(relaykit export\) into /u);
    expect(
      (JSON.parse((await cmd('list', '--json')).stdout) as Entry[]).map((e) => e.address).sort(),
    ).toEqual(['@blocked.example', 'ada@example.org', 'bob@example.org']);
  });

  it('names the CSV line at fault and imports nothing from a bad file', async () => {
    const r = await run(['suppression', 'import', '-', ...store], {
      stdin: 'address,reason\r\nnew@example.org,manual\r\nnot an address,manual\r\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\[relaykit\] suppression CSV line 3: /u);
    expect((await cmd('list')).stdout).not.toContain('new@example.org');
  });

  it('checks the call before touching the store', async () => {
    expect((await cmd('add')).code).toBe(64);
    expect((await cmd('add', 'x@example.org', '--reason', 'because')).stderr).toMatch(
      /--reason must be one of hard-bounce, /u,
    );
    expect((await cmd('add', 'not-an-address')).stderr).toMatch(/give local@domain or @domain/u);
    expect((await cmd('purge')).stderr).toMatch(/unknown action 'purge'/u);
  });
}

describe('relaykit suppression on sqlite', () => {
  suite(['--store', `sqlite:${join(dir, 'relaykit.db')}`]);
});

describe.skipIf(!redisUp)('relaykit suppression on redis', () => {
  const prefix = `relaykit-cli-test-${process.pid}-${Date.now()}:`;
  afterAll(async () => {
    const keys = await probe.redis.keys(`${prefix}*`);
    if (keys.length > 0) await probe.redis.del(...keys);
    await probe.close();
  });
  suite(['--store', redisUrl, '--prefix', prefix]);
});

describe('relaykit suppression on postgres', () => {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const prefix = `cli_${Math.random().toString(36).slice(2, 10)}_`;
  afterAll(async () => {
    const stores = postgresStores({ connectionString: url, migrate: false });
    const { rows } = await stores.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'relaykit' AND table_name LIKE $1`,
      [`${prefix}%`],
    );
    for (const r of rows)
      await stores.pool.query(`DROP TABLE relaykit."${String(r['table_name'])}" CASCADE`);
    await stores.pool.query(`DROP FUNCTION IF EXISTS relaykit."${prefix}rate_take"`);
    await stores.close();
  });
  suite(['--store', url, '--prefix', prefix]);
});

it('refuses a store it does not know, and never echoes a URL that may hold a password', async () => {
  const r = await run(['suppression', 'list', '--store', 'mysql://user:hunter2@db/relaykit']);
  expect(r.code).toBe(64);
  expect(r.stderr).toMatch(/--store must be sqlite:<path>, redis:\/\/host:port or postgres:/u);
  expect(r.stderr).not.toContain('hunter2');
});

describe('relaykit suppression import of provider exports', () => {
  const fixtures = join(import.meta.dirname, '..', 'suppression', 'fixtures');
  const files: Array<[string, string, number]> = [
    ['ses-suppression-list.csv', 'Amazon SES suppression list', 3],
    ['postmark-suppressions.csv', 'Postmark suppressions', 3],
    ['postmark-bounces-semicolon.csv', 'Postmark suppressions', 2],
    ['mailgun-bounces.csv', 'Mailgun suppressions', 3],
    ['mailgun-unsubscribes.csv', 'Mailgun suppressions', 2],
    ['mailgun-complaints.csv', 'Mailgun suppressions', 1],
    ['resend-suppressions.csv', 'Resend suppressions', 3],
  ];

  it.each(files)('imports %s as downloaded', async (file, label, count) => {
    const store = ['--store', `sqlite:${join(dir, `${file}.db`)}`];
    const r = await run(['suppression', 'import', join(fixtures, file), ...store]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      new RegExp(`^imported ${count} suppressions? \\(${label}\\) into `, 'u'),
    );
    const listed = JSON.parse(
      (await run(['suppression', 'list', '--json', ...store])).stdout,
    ) as Entry[];
    expect(listed).toHaveLength(count);

    // What export writes, import reads back whole.
    const exported = (await run(['suppression', 'export', ...store])).stdout;
    const again = ['--store', `sqlite:${join(dir, `${file}.again.db`)}`];
    expect((await run(['suppression', 'import', ...again], { stdin: exported })).code).toBe(0);
    expect((await run(['suppression', 'export', ...again])).stdout).toBe(exported);
  });

  it('imports nothing from a file with one bad row, and says which line', async () => {
    const store = ['--store', `sqlite:${join(dir, 'bad-provider.db')}`];
    const r = await run(['suppression', 'import', ...store], {
      stdin: 'EmailAddress;Reason\r\nfine@example.com;BOUNCE\r\nbroken;BOUNCE\r\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\[relaykit\] suppression CSV line 3: "broken" is not an address/u);
    expect((await run(['suppression', 'list', '--json', ...store])).stdout).toBe('[]\n');
  });

  it('refuses an unknown --format, or --format outside import (exit 64)', async () => {
    const r = await run([
      'suppression',
      'import',
      '--format',
      'sendgrid',
      '--store',
      'sqlite::memory:',
    ]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--format must be one of relaykit, ses, postmark, mailgun, resend/u);
    expect(
      (await run(['suppression', 'list', '--format', 'ses', '--store', 'sqlite::memory:'])).code,
    ).toBe(64);
  });
});
