import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, start, type CapturedRun } from './harness.ts';
import { postmarkWebhookHeader, simulatorEnv } from './simulate.ts';

let sim: Simulator;
let env: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 'cli-events',
    webhooks: { secrets: { postmark: { header: postmarkWebhookHeader } } },
  });
  env = simulatorEnv(sim);
});
afterAll(() => sim.stop());

async function listen(args: string[]): Promise<{ events: CapturedRun; base: string }> {
  const events = start(
    ['events', '--provider', 'postmark,mailgun,resend', '--listen', '127.0.0.1:0', ...args],
    { env },
  );
  const [, base] = await events.waitFor(
    /listening: POST (http:\/\/127\.0\.0\.1:\d+\/webhooks)\/postmark/u,
  );
  for (const p of ['postmark', 'mailgun', 'resend'] as const) sim.setWebhookUrl(p, `${base}/${p}`);
  return { events, base: base ?? '' };
}

const send = (provider: string, to: string) =>
  run(
    [
      'send',
      '--provider',
      provider,
      '--from',
      'Shop <orders@mail.shop.test>',
      '--to',
      to,
      '--subject',
      'Hi',
      '--text',
      'Hi',
      '--json',
    ],
    { env },
  );

describe('relaykit events', () => {
  it('prints each verified event as a JSON line, from every provider', async () => {
    sim.reset();
    const { events } = await listen(['--json']);
    sim.recipients.set('gone@example.org', 'hard-bounce');
    const sent = JSON.parse((await send('postmark', 'ada@example.org')).stdout) as {
      messageId: string;
    };
    await send('mailgun', 'bob@example.org');
    await send('resend', 'gone@example.org');
    await events.waitFor(/"type":"bounced"/u);
    await events.waitFor(/"recipient":"bob@example.org"/u);
    await events.waitFor(/"recipient":"ada@example.org"/u);
    events.stop();
    expect(await events.done).toBe(0);

    const lines = events
      .stdout()
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            provider: string;
            recipient: string;
            messageId?: string;
            bounce?: { class: string };
            raw?: unknown;
          },
      );
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'delivered',
        provider: 'postmark',
        recipient: 'ada@example.org',
        messageId: sent.messageId,
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'delivered',
        provider: 'mailgun',
        recipient: 'bob@example.org',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'bounced',
        provider: 'resend',
        recipient: 'gone@example.org',
        bounce: expect.objectContaining({ class: 'hard' }),
      }),
    );
    expect(lines.every((l) => l.raw === undefined)).toBe(true);
    expect(events.stderr()).toContain('[relaykit] suppressed gone@example.org');
  });

  it('prints readable lines, and refuses a forged webhook with 401 without printing it', async () => {
    sim.reset();
    const { events, base } = await listen([]);
    await send('postmark', 'ada@example.org');
    await events.waitFor(/delivered\s+postmark\s+ada@example\.org/u);
    const forged = await fetch(`${base}/postmark`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [postmarkWebhookHeader.name]: 'guessed' },
      body: JSON.stringify({
        RecordType: 'Bounce',
        Type: 'HardBounce',
        Email: 'victim@example.org',
        MessageID: 'x',
        ID: 1,
        BouncedAt: new Date().toISOString(),
      }),
    });
    expect(forged.status).toBe(401);
    await events.waitFor(/webhook for 'postmark' failed verification/u);
    events.stop();
    await events.done;
    expect(events.stdout()).not.toContain('victim@example.org');
    expect(events.stderr()).not.toContain(postmarkWebhookHeader.value);
  });

  it('says which webhook secret is missing, and when the port is taken (exit 64)', async () => {
    const r = await run(['events', '--provider', 'mailgun'], { env: {} });
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/mailgun needs MAILGUN_WEBHOOK_SIGNING_KEY/u);
    expect((await run(['events', '--provider', 'postmark'], { env: {} })).stderr).toMatch(
      /postmark webhooks need POSTMARK_WEBHOOK_SECRET/u,
    );
    const first = start(['events', '--provider', 'resend', '--listen', '127.0.0.1:0'], { env });
    const [, port] = await first.waitFor(/listening: POST http:\/\/127\.0\.0\.1:(\d+)\//u);
    const second = await run(['events', '--provider', 'resend', '--listen', `127.0.0.1:${port}`], {
      env,
    });
    expect(second.code).toBe(64);
    expect(second.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/u);
    first.stop();
    await first.done;
  });
});
