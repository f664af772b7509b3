import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresStores } from '@relaykit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from './harness.ts';

const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'relaykit-demo-pg-'));
/** The schema the demo says it used, dropped after the run. */
let schema: string | undefined;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (schema === undefined) return;
  const admin = postgresStores({ connectionString: url, migrate: false });
  await admin.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.close();
});

/** A figure of the report's headline (`  sent            297    99%  …`). */
const figure = (report: string, label: string): number => {
  const match = new RegExp(`\\n  ${label} +([\\d,]+) `, 'u').exec(report);
  if (match === null) throw new Error(`no '${label}' figure in the report:\n${report}`);
  return Number((match[1] as string).replace(/,/gu, ''));
};

describe('relaykit demo --store postgres://…', () => {
  it('runs the campaign with its state in PostgreSQL, in a schema of its own, and reports every recipient', async () => {
    const r = await run([
      'demo',
      '--store',
      url,
      '--recipients',
      '300',
      '--outage',
      '1',
      '--no-progress',
      '--dir',
      dir,
    ]);
    const state = /^State: (postgres:\/\/\S+) \(schema (relaykit_demo_[a-z0-9]+)\)$/mu.exec(
      r.stdout,
    );
    schema = state?.[2];
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(state?.[1]).toBe(url.replace(/:[^:@/]*@/u, ':***@'));
    const report = r.stdout.slice(r.stdout.indexOf('Done: '));
    expect(report).toMatch(/^Done: 300 recipients in [\d.]+ s/u);
    const sent = figure(report, 'sent');
    const suppressed = figure(report, 'suppressed');
    // Every recipient has one outcome in the per-stream table: sent, suppressed, rejected or failed.
    const streams = [...report.matchAll(/^(outreach|transactional) +([\d ]+)$/gmu)].map((m) =>
      (m[2] as string).trim().split(/ +/u).map(Number),
    );
    expect(streams).toHaveLength(2);
    const outcome = (column: number) => streams.reduce((sum, row) => sum + (row[column] ?? 0), 0);
    // sent deliv defer bounce compl suppr reject failed
    expect(outcome(0)).toBe(sent);
    expect(outcome(5)).toBe(suppressed);
    expect(sent + suppressed + outcome(6) + outcome(7)).toBe(300);
    expect(suppressed).toBeGreaterThan(0);
    expect(figure(report, 'delivered')).toBeGreaterThan(0);

    // What the report counts is what PostgreSQL holds: one ledger message per sent message, and
    // the suppression list the follow-up campaign was checked against.
    const probe = postgresStores({ connectionString: url, schema: schema as string });
    try {
      const ledger = await probe.pool.query(
        `SELECT count(DISTINCT message_id)::int AS n FROM "${schema}".ledger`,
      );
      expect(ledger.rows[0]?.['n']).toBe(sent);
      const list = await probe.pool.query(`SELECT count(*)::int AS n FROM "${schema}".suppression`);
      const followUp = /Follow-up to (\d+) suppressed addresses: (\d+) dropped/u.exec(report);
      expect(list.rows[0]?.['n']).toBe(Number(followUp?.[1]));
      expect(followUp?.[2]).toBe(followUp?.[1]);
    } finally {
      await probe.close();
    }
  }, 120_000);

  it('refuses a --store that is not PostgreSQL before starting anything', async () => {
    const r = await run(['demo', '--store', 'redis://:hunter2@127.0.0.1:6379']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--store must be a postgres:\/\/ URL/u);
    expect(r.stderr).not.toContain('hunter2');
  });
});
