import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUrl, requirePostgres, uniqueSchema } from '../conformance/postgres-helper.ts';
import { redisUrl, requireRedis, deleteKeys, uniquePrefix } from '../conformance/redis-helper.ts';
import { expect, it } from 'vitest';
import { startFixture } from './spawn.ts';

const rate = 100;
const burst = 5;
const durationMs = 20_000;

/** Starts two rate workers, gives them one start time, and checks what they were allowed. */
async function twoProcesses(
  label: string,
  env: Record<string, string>,
  setStart: (at: string) => Promise<void>,
) {
  const common = {
    ...env,
    RATE: String(rate),
    BURST: String(burst),
    DURATION_MS: String(durationMs),
  };
  const workers = await Promise.all([
    startFixture('rate-worker.ts', common),
    startFixture('rate-worker.ts', common),
  ]);
  // Both start at the same moment, once both processes are up.
  const startAt = String(Date.now() + 300);
  await setStart(startAt);
  const results = await Promise.all(
    workers.map(
      ({ child, output }) =>
        new Promise<number[]>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`rate worker did not finish:\n${output()}`)),
            durationMs + 20_000,
          );
          child.once('exit', () => {
            clearTimeout(timer);
            const line = output()
              .split('\n')
              .find((l) => l.startsWith('result '));
            if (line) resolve(JSON.parse(line.slice('result '.length)) as number[]);
            else reject(new Error(`rate worker printed no result:\n${output()}`));
          });
        }),
    ),
  );
  const all = results.flat().sort((a, b) => a - b);
  const start = Number(startAt);
  const perSecond = new Array<number>(durationMs / 1000).fill(0);
  for (const t of all) {
    const second = Math.min(perSecond.length - 1, Math.floor((t - start) / 1000));
    perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  const worst = Math.max(...perSecond);
  const limit = (rate * durationMs) / 1000;
  console.log(
    `${label}: shared limit ${rate}/s (burst ${burst}) over ${durationMs / 1000} s: ${all.length} sends allowed (${((all.length / limit - 1) * 100).toFixed(2)}% vs the limit), ` +
      `per process ${results.map((r) => r.length).join(' + ')}, busiest second ${worst}; per second ${perSecond.join(' ')}`,
  );
  expect(all.length).toBeLessThanOrEqual(limit * 1.05);
  // The limit was actually the bottleneck (both processes kept asking), not a trivially low count.
  expect(all.length).toBeGreaterThan(limit * 0.95);
  expect(worst).toBeLessThanOrEqual(rate * 1.05);
  for (const r of results) expect(r.length).toBeGreaterThan(limit * 0.25);
}

it(
  'two processes sharing one Redis never exceed a shared 100 msg/s limit by more than 5% over 20 s',
  { timeout: 60_000 },
  async () => {
    const admin = await requireRedis();
    const prefix = uniquePrefix('rate');
    try {
      await twoProcesses('redis', { STORE: 'redis', REDIS_URL: redisUrl, PREFIX: prefix }, (at) =>
        admin.redis.set(`${prefix}start`, at).then(() => undefined),
      );
    } finally {
      await deleteKeys(admin.redis, prefix);
      await admin.close();
    }
  },
);

it(
  'two processes sharing one PostgreSQL never exceed a shared 100 msg/s limit by more than 5% over 20 s',
  { timeout: 60_000 },
  async () => {
    const admin = await requirePostgres();
    const schema = uniqueSchema('rate');
    const dir = mkdtempSync(join(tmpdir(), 'relaykit-rate-'));
    const startFile = join(dir, 'start');
    try {
      await twoProcesses(
        'postgres',
        { STORE: 'postgres', DATABASE_URL: postgresUrl, SCHEMA: schema, START_FILE: startFile },
        async (at) => writeFileSync(startFile, at),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await admin.dropSchema(schema);
      await admin.close();
    }
  },
);
