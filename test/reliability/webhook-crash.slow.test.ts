import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStores } from '@relaykit/sqlite';
import { afterAll, expect, it } from 'vitest';
import { kill, startFixture } from './spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'relaykit-webhook-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const perRound = 12;

function bounces(round: number) {
  return Array.from({ length: perRound }, (_, i) => ({
    RecordType: 'Bounce',
    ID: round * 1000 + i,
    Type: 'HardBounce',
    Email: `gone-${round}-${i}@example.test`,
    BouncedAt: new Date(Date.UTC(2026, 0, 1, 0, round, i)).toISOString(),
    MessageID: `pm-${round}-${i}`,
    MessageStream: 'outbound',
    Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist',
    Description:
      'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
  }));
}

async function start(db: string, crashAtMark = 0) {
  const fixture = await startFixture('webhook-ingest.ts', {
    DB_FILE: db,
    CRASH_AT_MARK: String(crashAtMark),
  });
  const url = /ready (\S+)/u.exec(fixture.output())?.[1] ?? '';
  return { ...fixture, url: `${url}/postmark` };
}

/** One delivery as a provider makes it: true on 2xx, false on any other answer or a dropped connection. */
async function deliver(url: string, body: unknown): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hook-secret': 'crash-secret' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Plays the provider: posts every bounce, and redelivers the ones not answered 2xx to a restarted
 * process, until each is acknowledged. `crash` decides how the first process dies.
 */
async function run(
  round: number,
  crash: { atMark: number } | { afterMs: number },
): Promise<{ missing: string[]; acknowledged: number }> {
  const db = join(dir, `round-${round}.db`);
  const all = bounces(round);
  let pending = all;
  let first = true;
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt += 1) {
    const child = await start(db, first && 'atMark' in crash ? crash.atMark : 0);
    const killer =
      first && 'afterMs' in crash
        ? new Promise<void>((resolve) =>
            setTimeout(() => void kill(child.child).then(resolve), crash.afterMs),
          )
        : undefined;
    first = false;
    const answered = await Promise.all(pending.map((b) => deliver(child.url, b)));
    await killer;
    await kill(child.child);
    pending = pending.filter((_, i) => !answered[i]);
  }
  expect(pending).toEqual([]);
  const stores = sqliteStores(db);
  const addresses = all.map((b) => b.Email);
  const held = await stores.suppression.check(addresses);
  return { missing: addresses.filter((a) => !held.has(a)), acknowledged: all.length };
}

it('keeps every bounce a SIGKILL interrupts right after its event id is marked seen', async () => {
  for (let round = 0; round < 4; round += 1) {
    const atMark = ((round * 5) % perRound) + 1;
    const { missing } = await run(round, { atMark });
    // Marking the id before storing the suppression would lose the bounce at mark `atMark`.
    expect(missing, `round ${round}, killed after mark ${atMark}`).toEqual([]);
  }
}, 120_000);

it('keeps every redelivered bounce when the process is killed at random points', async () => {
  for (let round = 10; round < 14; round += 1) {
    const { missing } = await run(round, { afterMs: 5 + ((round * 37) % 60) });
    expect(missing, `round ${round}`).toEqual([]);
  }
}, 120_000);
