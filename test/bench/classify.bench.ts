import { classifyBounce } from '@relaykit/core';
/**
 * Bounce classification speed: every reply of packages/core/src/bounce/corpus/replies.txt (about
 * 680 real remote-server replies, 40-400 characters), classified from the diagnostic alone, as a
 * webhook adapter does. The classifier as it stood before the rework (test/bench/legacy-bounce)
 * runs in the same process on the same lines, so the ratio holds on a loaded host.
 * Target: ≥ 100,000 classifications/s on one core. The rate is printed per wall-clock second and
 * per second of this process's CPU time (process.cpuUsage): on a shared host the second one is the
 * one-core figure.
 *
 *   pnpm vitest bench --run test/bench/classify.bench.ts
 */
import { readFileSync } from 'node:fs';
import { afterAll, bench, describe } from 'vitest';

import { classifyBounce as legacyClassify } from './legacy-bounce/classify.ts';

const corpus = readFileSync(
  new URL('../../packages/core/src/bounce/corpus/replies.txt', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'))
  .map((line) => line.split(' | ').slice(3).join(' | '));

const ROUNDS = 100;
const measured = { current: 0, legacy: 0, currentCpu: 0, legacyCpu: 0 };
let sink = 0;

function run(classify: (input: { diagnostic: string }) => { class: string }): [number, number] {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round += 1)
    for (const diagnostic of corpus) if (classify({ diagnostic }).class === 'hard') sink += 1;
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const n = ROUNDS * corpus.length;
  return [n / wall, n / ((used.user + used.system) / 1e6)];
}

describe(`classifyBounce over ${corpus.length} corpus replies × ${ROUNDS}`, () => {
  bench(
    'classifyBounce (code, enhanced code, text and stage)',
    () => {
      const [wall, cpu] = run(classifyBounce);
      measured.current = Math.max(measured.current, wall);
      measured.currentCpu = Math.max(measured.currentCpu, cpu);
    },
    { iterations: 5, warmupIterations: 1 },
  );

  bench(
    'the previous classifier (code first)',
    () => {
      const [wall, cpu] = run(legacyClassify);
      measured.legacy = Math.max(measured.legacy, wall);
      measured.legacyCpu = Math.max(measured.legacyCpu, cpu);
    },
    { iterations: 5, warmupIterations: 1 },
  );
});

afterAll(() => {
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(
    `\n[classify.bench] classifyBounce: ${fmt(measured.current)} classifications/s wall, ${fmt(measured.currentCpu)}/s of CPU time (best of 5); ` +
      `previous classifier: ${fmt(measured.legacy)}/s wall, ${fmt(measured.legacyCpu)}/s of CPU time; ` +
      `ratio new/previous = ${(measured.current / measured.legacy).toFixed(2)} wall, ${(measured.currentCpu / measured.legacyCpu).toFixed(2)} CPU; ` +
      `target ≥ 100,000/s on one core: ${measured.currentCpu >= 100_000 ? 'met' : 'NOT met'} (${sink > 0 ? 'ok' : '-'})`,
  );
});
