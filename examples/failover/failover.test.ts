import type { CircuitEvent, Relay, RelayEvents } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createFailoverRelay } from './relay.ts';

let sim: Simulator;
let relay: Relay;
let failovers: Array<RelayEvents['failover']>;
let circuits: CircuitEvent[];

const message = {
  from: 'Shop <orders@mail.shop.test>',
  to: 'ada@example.test',
  subject: 'Your order',
  text: 'Thanks.',
};

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.stop());
beforeEach(async () => {
  await relay?.close();
  sim.reset();
  relay = createFailoverRelay({
    POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
    POSTMARK_BASE_URL: sim.url,
    AWS_REGION: sim.ses.region,
    SES_ENDPOINT: sim.ses.endpoint,
    AWS_ACCESS_KEY_ID: sim.ses.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.ses.credentials.secretAccessKey,
  });
  failovers = [];
  circuits = [];
  relay.on('failover', (e) => failovers.push(e));
  relay.on('circuit', (e) => circuits.push(e));
});

it('sends through Postmark while it is up', async () => {
  expect(await relay.send(message)).toMatchObject({ status: 'sent', provider: 'postmark' });
  expect(failovers).toEqual([]);
});

it('fails over to SES when Postmark answers 503, and skips Postmark once its circuit opens', async () => {
  const outage = sim.fail({ provider: 'postmark', fault: 'unavailable' });
  const report = await relay.send(message);
  expect(report).toMatchObject({ status: 'sent', provider: 'ses' });
  expect(failovers).toEqual([
    expect.objectContaining({
      from: 'postmark',
      to: 'ses',
      error: expect.objectContaining({ kind: 'provider-unavailable' }),
    }),
  ]);
  expect(sim.messages.map((m) => m.provider)).toEqual(['ses']);

  await relay.send(message);
  expect(circuits).toContainEqual(expect.objectContaining({ provider: 'postmark', state: 'open' }));
  // With the circuit open, the next send goes to SES without trying Postmark first.
  const [tries, switches] = [outage.hits(), failovers.length];
  expect(await relay.send(message)).toMatchObject({ provider: 'ses' });
  expect([outage.hits(), failovers.length]).toEqual([tries, switches]);
});

it('does not fail over a rejected recipient: SES would only bounce it again', async () => {
  sim.fail({ provider: 'postmark', fault: 'inactive-recipient' });
  const report = await relay.send(message);
  expect(report.status).toBe('none');
  expect(report.recipients).toEqual([
    expect.objectContaining({
      address: 'ada@example.test',
      status: 'rejected',
      provider: 'postmark',
    }),
  ]);
  expect(failovers).toEqual([]);
  expect(sim.messages).toEqual([]);
});
