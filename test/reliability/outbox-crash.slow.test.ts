import { createRelay, type Outbox } from '@relaykit/core';
import { resend } from '@relaykit/resend';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBackend } from './backends.ts';
import { kill, startFixture, until } from './spawn.ts';

const campaign = 2_000;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 'crash' });
});
afterAll(() => sim.stop());

/**
 * Enqueues a campaign, SIGKILLs the worker process in the middle of it, starts a new one, and
 * checks every message ends sent, expired or dead, with each sent one at the provider once.
 */
async function crashAndRecover(outbox: Outbox, env: Record<string, string>) {
  sim.reset();
  const relay = createRelay({
    providers: [resend({ apiKey: sim.resend.apiKey, baseUrl: sim.resend.baseUrl, webhook: false })],
    outbox,
    throttle: false,
    guard: false,
    suppression: false,
  });
  const ids = await relay.enqueueMany(
    Array.from({ length: campaign }, (_, i) => ({
      from: 'news@shop.example.com',
      to: `reader${i}@example.org`,
      subject: `Issue ${i}`,
      text: 'Hello',
    })),
  );
  expect(ids).toHaveLength(campaign);
  const workerEnv = { ...env, SIM_URL: sim.resend.baseUrl, SIM_KEY: sim.resend.apiKey };

  const first = await startFixture('worker.ts', workerEnv);
  await until(
    () => sim.messages.length >= campaign / 4,
    120_000,
    'a quarter of the campaign to be sent',
  );
  await kill(first.child);
  const atKill = await outbox.counts();
  const acceptedAtKill = sim.messages.length;

  const second = await startFixture('worker.ts', workerEnv);
  try {
    await until(
      async () => {
        const c = await outbox.counts();
        return c.queued === 0 && c.inFlight === 0 && c.sent + c.expired + c.dead === campaign;
      },
      120_000,
      'the restarted worker to finish the campaign',
    );
  } catch (error) {
    throw new Error(
      `${String(error)}; counts ${JSON.stringify(await outbox.counts())}\n${second.output()}`,
    );
  } finally {
    await kill(second.child, 'SIGTERM');
  }

  const counts = await outbox.counts();
  const keys = new Set(sim.messages.map((m) => m.idempotencyKey));
  console.log(
    `killed with ${atKill.inFlight} in flight, ${atKill.sent} recorded sent, ${acceptedAtKill} accepted by the provider; ` +
      `after restart: ${JSON.stringify(counts)}; provider accepted ${sim.messages.length} requests for ${keys.size} distinct idempotency keys`,
  );
  expect(counts.sent + counts.expired + counts.dead).toBe(campaign);
  for (const id of ids) {
    const m = await outbox.get(id);
    expect(['sent', 'expired', 'dead']).toContain(m?.status);
    if (m?.status === 'sent') expect(keys.has(id)).toBe(true);
  }
  // Nothing reached the provider that the outbox does not know as sent.
  expect(keys.size).toBe(counts.sent);
}

describe('outbox survives a worker killed mid-campaign', () => {
  it.each([
    ['sqlite', 'sqlite'],
    ['redis (BullMQ)', 'redis'],
    ['postgres (FOR UPDATE SKIP LOCKED)', 'postgres'],
  ] as const)('%s', { timeout: 300_000 }, (_, backend) =>
    withBackend(backend, 'crash', (stores, env) => crashAndRecover(stores.outbox, env)),
  );
});
