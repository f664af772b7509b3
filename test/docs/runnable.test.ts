import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Relay, SendReport } from '@relaykit/core';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markdownPages, topLevelNames, tsBlocks } from './blocks.ts';

/**
 * The blocks marked `<!-- runnable -->` run as written against the local simulator: the test sets
 * the environment variables they read, and their adapter imports resolve to the real adapters
 * bound to the simulator's endpoints (test/docs/bound/), since a block written for production
 * names no endpoint. Each block runs as a module; its top-level bindings are then inspected.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = join(root, 'test', 'docs');
const runnable = markdownPages(root)
  .flatMap((doc) => tsBlocks(root, doc))
  .filter((block) => block.runnable);

const adapters = /from '@relaykit\/(postmark|ses|mailgun|resend)'/gu;

async function runBlock(code: string, name: string): Promise<Record<string, unknown>> {
  const declared = [...topLevelNames(code).declared];
  const source = `${code.replace(adapters, "from './bound/$1.ts'")}\nexport { ${declared.join(', ')} };\n`;
  const file = join(here, `__${name}_${process.pid}__.ts`);
  writeFileSync(file, source);
  try {
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  } finally {
    rmSync(file, { force: true });
  }
}

describe('runnable blocks of README.md and docs/', () => {
  let sim: Simulator;
  const saved = { ...process.env };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 'docs' });
    Object.assign(process.env, {
      // What the README's quick start reads, as a deployment would set it.
      POSTMARK_SERVER_TOKEN: sim.postmark.serverToken,
      POSTMARK_HOOK_PASSWORD: 'docs-hook-password',
      SES_EVENTS_TOPIC_ARN: sim.ses.topicArn,
      // Where the bound adapters find the simulator (the names `relaykit simulate` prints).
      POSTMARK_BASE_URL: sim.url,
      AWS_REGION: sim.ses.region,
      SES_ENDPOINT: sim.ses.endpoint,
      AWS_ACCESS_KEY_ID: sim.ses.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sim.ses.credentials.secretAccessKey,
      MAILGUN_URL: sim.mailgun.url,
      RESEND_BASE_URL: sim.resend.baseUrl,
    });
  });
  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await sim.stop();
  });

  it('has the README quick start among them', () => {
    expect(runnable.map((b) => b.doc)).toContain('README.md');
  });

  it('README quick start: sends through Postmark (the transactional stream) to the simulator', async () => {
    const block = runnable.find((b) => b.doc === 'README.md');
    expect(block).toBeDefined();
    const before = sim.messages.length;
    const module = await runBlock(block!.code, 'readme_quick_start');
    const report = module['report'] as SendReport;
    const relay = module['relay'] as Relay;
    try {
      expect(report.status).toBe('sent');
      expect(report.provider).toBe('postmark');
      expect(report.stream).toBe('transactional');
      expect(report.recipients.map((r) => [r.address, r.status])).toEqual([
        ['ada@example.org', 'sent'],
      ]);
      const received = sim.messages.slice(before);
      expect(received).toHaveLength(1);
      expect(JSON.stringify(received[0])).toContain('ada@example.org');
    } finally {
      await relay.close();
    }
  });
});
