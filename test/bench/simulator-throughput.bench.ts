/**
 * How many sends per second the simulator takes on loopback from one client process. The
 * simulator runs in a process of its own (as it does under `relaykit simulate`); the client posts
 * with a keep-alive node:http agent, 64 in flight. A bare node:http server in its own process is
 * measured in the same run as the ceiling of this machine and client, so the ratio holds on a
 * loaded host. Target: ≥ 5,000 sends/s for the JSON APIs.
 *
 *   pnpm vitest bench --run test/bench/simulator-throughput.bench.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { afterAll, bench, describe } from 'vitest';

const SENDS = 20_000;
const IN_FLIGHT = 64;
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function start(bare: boolean): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      '--conditions=source',
      'test/bench/simulator-process.ts',
      ...(bare ? ['--bare'] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => resolve({ url: String(d).trim(), child }));
  });
}

const endpoints = {
  postmark: {
    path: '/email',
    headers: { 'x-postmark-server-token': 'sim-postmark-server-token' },
    body: JSON.stringify({
      From: 'sender@example.com',
      To: 'user@example.org',
      Subject: 'Bench',
      TextBody: 'hello',
    }),
  },
  resend: {
    path: '/emails',
    headers: { authorization: 'Bearer re_sim_0123456789abcdef' },
    body: JSON.stringify({
      from: 'sender@example.com',
      to: ['user@example.org'],
      subject: 'Bench',
      text: 'hello',
    }),
  },
};

function post(url: string, e: (typeof endpoints)[keyof typeof endpoints]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${e.path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': Buffer.byteLength(e.body),
          ...e.headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(200) : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(e.body);
  });
}

async function rate(url: string, e: (typeof endpoints)[keyof typeof endpoints]): Promise<number> {
  let next = 0;
  const run = (n: number) =>
    Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < n) await post(url, e);
      }),
    );
  await run(2_000);
  next = 0;
  const t = performance.now();
  await run(SENDS);
  return SENDS / ((performance.now() - t) / 1000);
}

const results: Record<string, number> = {};

describe('simulator throughput (server in its own process, 64 in flight)', () => {
  bench(
    'bare node:http, simulator Postmark and Resend',
    async () => {
      if (Object.keys(results).length > 0) return;
      const bare = await start(true);
      results['bare node:http server'] = await rate(bare.url, { ...endpoints.postmark, path: '/' });
      bare.child.stdin?.end();
      const sim = await start(false);
      results['simulator Postmark POST /email'] = await rate(sim.url, endpoints.postmark);
      results['simulator Resend POST /emails'] = await rate(sim.url, endpoints.resend);
      sim.child.stdin?.end();
    },
    { iterations: 1, warmupIterations: 0, time: 0 },
  );
});

afterAll(() => {
  const ceiling = results['bare node:http server'] ?? 1;
  const lines = Object.entries(results).map(
    ([name, r]) =>
      `  ${name.padEnd(32)} ${Math.round(r).toLocaleString('en').padStart(7)} sends/s  (${(r / ceiling).toFixed(2)} of the bare server)`,
  );
  console.log(
    `\n[simulator-throughput.bench] ${SENDS.toLocaleString('en')} sends each; target ≥ 5,000 sends/s\n${lines.join('\n')}`,
  );
});
