import type { CampaignReport, CampaignStore } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBackend } from './backends.ts';
import { kill, startFixture, until } from './spawn.ts';

const total = 200;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'campaign-crash' });
});
afterAll(() => sim.stop());

/** The lines a campaign-worker fixture printed: `released <n> <phase>` and `report {json}`. */
function parse(output: string) {
  const released = [...output.matchAll(/^released (\d+) (\w+)$/gm)].map((m) => Number(m[1]));
  const report = /^report (.*)$/m.exec(output)?.[1];
  return {
    released,
    report: report === undefined ? undefined : (JSON.parse(report) as CampaignReport),
  };
}

/**
 * Runs a campaign in a child process, SIGKILLs it once the provider has some of the messages but
 * not all (or while it holds the release for the canary's verdict), runs the same campaign (same
 * id, same list) in a new process to the end, and checks that every recipient reached the
 * provider exactly once and the campaign says completed.
 */
async function crashAndResume(
  campaigns: CampaignStore,
  env: Record<string, string>,
  at: 'releasing' | 'holding' = 'releasing',
) {
  sim.reset();
  const id = `spring-${Date.now()}`;
  const workerEnv = {
    ...env,
    SIM_URL: sim.resend.baseUrl,
    SIM_KEY: sim.resend.apiKey,
    CAMPAIGN: id,
    TOTAL: String(total),
    PER_SECOND: '100',
    // Held a second for the canary's verdict: long enough to be killed in.
    ...(at === 'holding' ? { SETTLE_MS: '1000' } : {}),
  };

  const started = Date.now();
  const first = await startFixture('campaign-worker.ts', workerEnv);
  if (at === 'holding')
    await until(
      async () => (await campaigns.get(id))?.phase === 'holding',
      30_000,
      'the canary hold',
    );
  else
    await until(
      () => sim.messages.length >= total * 0.3,
      30_000,
      'a third of the campaign at the provider',
    );
  await kill(first.child);
  const atKill = sim.messages.length;
  const storedAtKill = await campaigns.get(id);
  // The kill landed mid-campaign: the test proves nothing otherwise.
  expect(atKill).toBeLessThan(total);
  expect(storedAtKill?.phase).toBe(at);
  expect(parse(first.output()).report).toBeUndefined();

  const killedAt = Date.now();
  const second = await startFixture('campaign-worker.ts', workerEnv);
  try {
    await until(() => parse(second.output()).report !== undefined, 30_000, 'the resumed run');
  } catch (error) {
    await kill(second.child);
    throw new Error(`${String(error)}\n${second.output()}`);
  }
  await new Promise((r) => (second.child.exitCode === null ? second.child.once('exit', r) : r(0)));
  const { released, report } = parse(second.output());

  const perRecipient = new Map<string, number>();
  for (const m of sim.messages)
    for (const to of m.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  const twice = [...perRecipient].filter(([, n]) => n > 1).map(([to]) => to);
  const missing = Array.from({ length: total }, (_, i) => `reader${i}@example.org`).filter(
    (to) => !perRecipient.has(to),
  );
  console.log(
    `killed at ${atKill} of ${total} at the provider (record: ${storedAtKill?.released ?? 0} released); ` +
      `resumed from ${released[0] ?? 0} released; provider holds ${sim.messages.length} messages, ` +
      `${twice.length} recipients twice, ${missing.length} missing; ` +
      `${killedAt - started} ms to the kill, ${Date.now() - killedAt} ms to the end of the resumed run`,
  );

  expect(twice).toEqual([]);
  expect(missing).toEqual([]);
  expect(sim.messages).toHaveLength(total);
  // The second run resumed from the stored progress, not from the start of the list.
  expect(released[0]).toBe(storedAtKill?.released);
  expect(released[0]).toBeGreaterThan(0);
  expect(report).toMatchObject({
    id,
    status: 'completed',
    total,
    released: total,
    sent: total,
    pending: 0,
    failed: 0,
    canary: { size: 5, verdict: 'passed' },
  });
  expect(await campaigns.get(id)).toMatchObject({ phase: 'completed', released: total });
}

describe('a campaign killed mid-release resumes from the stores, each recipient sent once', () => {
  it.each(['sqlite', 'redis', 'postgres'] as const)('%s', { timeout: 120_000 }, (backend) =>
    withBackend(backend, 'campaign-crash', (stores, env) => crashAndResume(stores.campaigns, env)),
  );

  it('sqlite, killed while the canary holds the release', { timeout: 120_000 }, () =>
    withBackend('sqlite', 'campaign-crash', (stores, env) =>
      crashAndResume(stores.campaigns, env, 'holding'),
    ),
  );
});
