/**
 * `relay.send` through each adapter against the direct SDK call, against the same simulator (in a
 * process of its own): interleaved blocks of 1,000 sends, 32 in flight, the throttle on with
 * limits that do not bind. Runs as plain Node on the built packages (no `source` condition, no
 * vitest transform), so what it measures is what an application pays:
 *
 *   pnpm build
 *   node --import tsx test/bench/adapter-overhead.ts ses [--rounds 6] [--only relay|direct]
 *
 * Prints one JSON line per provider: per round, each side's msg/s, client CPU µs per message
 * (process.cpuUsage around the block) and simulator CPU µs per message (the simulator's main
 * thread, /proc/<pid>/schedstat, where readable), and every process warning the sends raised
 * (none is expected: `--only relay --rounds 100` is the 100,000-send check that no abort listener
 * piles up). `--only relay` with `--rounds 60` is a long run for `node --cpu-prof`.
 * test/bench/adapter-overhead.bench.ts runs it for every provider.
 */
import { readFileSync } from 'node:fs';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { createRelay, createThrottle } from '@relaykit/core';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { ServerClient } from 'postmark';
import { Resend } from 'resend';
import { adapter, startSimulator, type Info, type Name } from './bench-providers.ts';

export const BLOCK = 1_000;
export const IN_FLIGHT = 32;
const from = 'orders@mail.example.com';
const subject = 'Your order';
const text = 'Thanks for your order.';

export type { Name };

export interface Side {
  /** Messages per second over the block. */
  rate: number;
  /** Client CPU (user + system of this process) per message, µs. */
  cpu: number;
  /** Simulator CPU (its main thread) per message, µs; NaN where /proc is not readable. */
  sim: number;
}

export interface Rounds {
  provider: Name;
  relay: Side[];
  direct: Side[];
  /** Every process warning emitted while the blocks ran (e.g. MaxListenersExceededWarning). */
  warnings: string[];
}

/** Nanoseconds the process's main thread has run (proc(5), /proc/<pid>/schedstat). */
function threadNs(pid: number | undefined): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** The call a user makes without relaykit, built once as a user would. */
function direct(name: Name, info: Info): (to: string) => Promise<unknown> {
  switch (name) {
    case 'ses': {
      const client = new SESv2Client(info.ses);
      return (to) =>
        client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
          }),
        );
    }
    case 'postmark': {
      const client = new ServerClient(info.postmark.serverToken, info.postmark.clientOptions);
      return (to) => client.sendEmail({ From: from, To: to, Subject: subject, TextBody: text });
    }
    case 'mailgun': {
      const client = new Mailgun(FormData).client(info.mailgun.clientOptions);
      return (to) => client.messages.create(info.mailgun.domain, { from, to, subject, text });
    }
    case 'resend': {
      const client = new Resend(info.resend.apiKey, { baseUrl: info.resend.baseUrl } as never);
      return async (to) => {
        const { error } = await client.emails.send({ from, to, subject, text });
        if (error) throw new Error(error.message);
      };
    }
  }
}

let serial = 0;

/** One block: BLOCK sends, IN_FLIGHT at a time, timed on the wall, the client and the simulator. */
async function block(
  send: (to: string) => Promise<unknown>,
  sim: number | undefined,
): Promise<Side> {
  const list = Array.from({ length: BLOCK }, () => `reader${(serial += 1)}@example.org`);
  let next = 0;
  const simBefore = threadNs(sim);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < list.length) await send(list[next++] as string);
    }),
  );
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const simNs = threadNs(sim) - simBefore;
  return {
    rate: BLOCK / wall,
    cpu: (used.user + used.system) / BLOCK,
    sim: simNs / 1000 / BLOCK,
  };
}

export async function measure(
  name: Name,
  rounds: number,
  only?: 'relay' | 'direct',
): Promise<Rounds> {
  const { info, child } = await startSimulator();
  try {
    const relay = createRelay({
      providers: [adapter(name, info)],
      throttle: createThrottle({
        accounts: { [name]: { rate: 1e9, burst: 1e9 } },
        profiles: { other: { rate: 1e9, burst: 1e9 } },
        mx: { domains: { 'example.org': 'other' } },
      }),
    });
    const viaRelay = async (to: string) => {
      const report = await relay.send({ from, to, subject, text });
      if (report.status !== 'sent') throw new Error(`relay.send: ${JSON.stringify(report)}`);
    };
    const viaSdk = direct(name, info);
    const out: Rounds = { provider: name, relay: [], direct: [], warnings: [] };
    // From here on: a client's one-time notice at construction (the AWS SDK's Node version
    // notice, emitted on the next tick) is behind us, and any warning is the sends' own.
    await new Promise((r) => setImmediate(r));
    const onWarning = (w: Error) => out.warnings.push(`${w.name}: ${w.message.split('\n')[0]}`);
    process.on('warning', onWarning);
    const relayBlock = () => block(viaRelay, child.pid);
    const directBlock = () => block(viaSdk, child.pid);
    if (only) {
      const run = only === 'relay' ? relayBlock : directBlock;
      await run();
      for (let i = 0; i < rounds; i += 1) out[only].push(await run());
    } else {
      // One warm-up each, then alternating order (see interleave.ts).
      await relayBlock();
      await directBlock();
      for (let round = 0; round < rounds; round += 1) {
        if (round % 2 === 0) {
          out.relay.push(await relayBlock());
          out.direct.push(await directBlock());
        } else {
          out.direct.push(await directBlock());
          out.relay.push(await relayBlock());
        }
      }
    }
    await relay.close();
    process.off('warning', onWarning);
    return out;
  } finally {
    child.stdin?.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [name, ...rest] = process.argv.slice(2) as [Name, ...string[]];
  const flag = (f: string) => {
    const i = rest.indexOf(f);
    return i < 0 ? undefined : rest[i + 1];
  };
  const only = flag('--only') as 'relay' | 'direct' | undefined;
  const result = await measure(name, Number(flag('--rounds') ?? 6), only);
  console.log(JSON.stringify(result));
  process.exit(0);
}
