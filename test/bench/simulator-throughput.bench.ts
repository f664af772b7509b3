/**
 * How many sends per second the simulator takes on loopback from one client process, through
 * fetch with keep-alive (undici pools connections per origin). Each iteration is a burst of
 * BURST sends with CONCURRENCY in flight; sends/s = hz × BURST, also printed at the end.
 * The simulator must not be what limits a relaykit benchmark: the target is ≥ 5,000 sends/s.
 * A bare node:http server answering a constant body is measured in the same run as the ceiling
 * of this machine and client, so the ratio stays meaningful on a loaded host.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, bench, describe } from 'vitest';
import { startSimulator } from '../../packages/simulator/src/index.ts';

const BURST = 200;
const CONCURRENCY = 32;

const sim = await startSimulator({ seed: 'bench' });
const bare = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"0"}'));
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

const postmarkBody = JSON.stringify({
  From: 'sender@example.com',
  To: 'user@example.org',
  Subject: 'Bench',
  TextBody: 'hello',
  Metadata: { relay_message_id: 'rk_bench' },
});
const resendBody = JSON.stringify({
  from: 'sender@example.com',
  to: ['user@example.org'],
  subject: 'Bench',
  text: 'hello',
  tags: [{ name: 'relay_id', value: 'rk_bench' }],
});

const postmark = (): Promise<Response> =>
  fetch(`${sim.url}/email`, {
    method: 'POST',
    headers: {
      'x-postmark-server-token': sim.postmark.serverToken,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: postmarkBody,
  });
const resend = (): Promise<Response> =>
  fetch(`${sim.url}/emails`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.resend.apiKey}`, 'content-type': 'application/json' },
    body: resendBody,
  });

const baseline = (): Promise<Response> =>
  fetch(bareUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: resendBody,
  });

const totals = new Map<string, { sends: number; ms: number }>();

async function burst(name: string, send: () => Promise<Response>): Promise<void> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < BURST) {
      next++;
      const res = await send();
      await res.arrayBuffer();
      if (res.status !== 200)
        throw new Error(`[relaykit] [simulator] bench: ${name} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const t = totals.get(name) ?? { sends: 0, ms: 0 };
  t.sends += BURST;
  t.ms += performance.now() - started;
  totals.set(name, t);
  // The bench measures the HTTP path; forget recorded messages so memory stays flat.
  if (sim.messages.length > 50_000) sim.reset();
}

describe(`simulator throughput (${BURST} sends per iteration, ${CONCURRENCY} in flight)`, () => {
  afterAll(async () => {
    for (const [name, t] of totals)
      console.log(
        `[relaykit] [simulator] ${name}: ${Math.round((t.sends / t.ms) * 1000)} sends/s over ${t.sends} sends`,
      );
    await sim.stop();
    bare.close();
  });
  bench(
    'baseline: bare node:http server',
    () => burst('baseline: bare node:http server', baseline),
    { time: 3000 },
  );
  bench('postmark POST /email', () => burst('postmark POST /email', postmark), { time: 3000 });
  bench('resend POST /emails', () => burst('resend POST /emails', resend), { time: 3000 });
});
