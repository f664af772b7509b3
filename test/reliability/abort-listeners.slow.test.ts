import { getEventListeners } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRelay,
  memoryDedupe,
  memoryLedger,
  memoryStateStore,
  type MessageInput,
  type Provider,
  type Relay,
} from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, startFixture } from './spawn.ts';

/**
 * Issue 22, defect 1: core once handed every provider one shared, never-aborting AbortSignal, and
 * an SDK that gives it to fetch leaves a listener on it per request until the request is garbage
 * collected (thousands of MaxListenersExceededWarning in a run). Now each request has its own
 * signal, and a caller's signal shared by many sends keeps no listener once they end.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Sim {
  url: string;
  ses: {
    region: string;
    baseUrl: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  postmark: string;
  mailgun: { apiKey: string; domain: string };
  resend: string;
}

const sends = 10_000;
const inFlight = 32;
const batchSize = 100;

const adapters: Array<[string, (sim: Sim) => Provider]> = [
  ['ses', (sim) => ses({ ...sim.ses, webhook: false, accountLimits: false })],
  ['postmark', (sim) => postmark({ serverToken: sim.postmark, baseUrl: sim.url })],
  ['mailgun', (sim) => mailgun({ ...sim.mailgun, baseUrl: sim.url, webhook: false })],
  ['resend', (sim) => resend({ apiKey: sim.resend, baseUrl: sim.url, webhook: false })],
];

let child: ChildProcess;
let sim: Sim;

beforeAll(async () => {
  const started = await startFixture('simulator.ts', {});
  child = started.child;
  const line = started
    .output()
    .split('\n')
    .find((l) => l.startsWith('ready '));
  sim = JSON.parse((line as string).slice('ready '.length)) as Sim;
});
afterAll(async () => {
  if (child) await kill(child);
});

const message = (i: number): MessageInput => ({
  from: 'Shop <orders@mail.shop.test>',
  to: `user${i % 500}@example.org`,
  subject: 'Listeners',
  text: 'Hello',
});

async function singles(relay: Relay, from: number, count: number, signal?: AbortSignal) {
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      await relay.send(message(i), signal ? { signal } : undefined);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function batches(relay: Relay, from: number, count: number, signal?: AbortSignal) {
  for (let at = from; at < from + count; at += batchSize) {
    const inputs = Array.from({ length: batchSize }, (_, k) => message(at + k));
    const results = await relay.sendBatch(inputs, signal ? { signal } : {});
    expect(results.every((r) => r.ok)).toBe(true);
  }
}

/** Heap after collection; finalizers (undici frees a request's signal in one) run between passes. */
const heap = async () => {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
};

describe('abort listeners over 10,000 sends, single and batch', () => {
  for (const [name, make] of adapters) {
    it(
      `${name}: no listener left, no MaxListenersExceededWarning, heap flat`,
      { timeout: 300_000 },
      async () => {
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on('warning', onWarning);
        try {
          const relay = createRelay({
            providers: [make(sim)],
            throttle: false,
            guard: false,
            // Bounded stores, so what grows is what the send path leaks, not the message record.
            ledger: memoryLedger({ maxMessages: 1_000 }),
            state: memoryStateStore({ maxMessages: 1_000 }),
            dedupe: memoryDedupe({ maxKeys: 1_000 }),
          });
          // One caller signal shared by half the sends, as an app's shutdown signal would be.
          const shared = new AbortController().signal;
          await singles(relay, 0, 1_000);
          await batches(relay, 0, 1_000, shared);
          const before = await heap();
          await singles(relay, 1_000, sends / 2);
          await singles(relay, 1_000 + sends / 2, sends / 2, shared);
          await batches(relay, 1_000, sends / 2);
          await batches(relay, 1_000 + sends / 2, sends / 2, shared);
          const after = await heap();
          const perSend = (after - before) / (2 * sends);
          console.log(
            `[abort-listeners] ${name}: heap ${((after - before) / 1024).toFixed(0)} KiB over ${2 * sends} sends (${perSend.toFixed(1)} B/send), ${getEventListeners(shared, 'abort').length} listeners on the shared signal`,
          );
          expect(getEventListeners(shared, 'abort')).toHaveLength(0);
          expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
          expect(perSend).toBeLessThan(100);
        } finally {
          process.off('warning', onWarning);
        }
      },
    );
  }
});
