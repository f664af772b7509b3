import { Resend } from 'resend';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startSimulator,
  startWebhookReceiver,
  type Simulator,
  type WebhookReceiver,
} from '../index.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(
  status: Parameters<typeof startWebhookReceiver>[0] = {},
  webhooks: Record<string, unknown> = {},
): Promise<{ sim: Simulator; receiver: WebhookReceiver; send: (to: string) => Promise<string> }> {
  const receiver = await startWebhookReceiver(status);
  const sim = await startSimulator({
    seed: 'dispatch',
    webhooks: { url: receiver.url, ...webhooks },
  });
  cleanup.push(
    () => sim.stop(),
    () => receiver.stop(),
  );
  const resend = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
  const send = async (to: string): Promise<string> => {
    const out = await resend.emails.send({
      from: 'sender@example.com',
      to: [to],
      subject: 'Hi',
      text: 'x',
    });
    return out.data?.id ?? '';
  };
  return { sim, receiver, send };
}

describe('webhook dispatch', () => {
  it('retries a failing receiver on the provider schedule, re-signing each Svix attempt', async () => {
    const { sim, receiver, send } = await setup({ status: ({ index }) => (index < 2 ? 500 : 200) });
    await send('a@example.org');
    const [event] = await sim.waitForEvents(1);
    expect(event).toMatchObject({ state: 'delivered', attempts: 3, responseStatus: 200 });
    expect(new Set(receiver.received.map((r) => r.headers['svix-id'])).size).toBe(1);
  });

  it('gives up after the schedule and marks the event failed', async () => {
    const { sim, send } = await setup({ status: 503 }, { retryDelaysMs: { resend: [1, 1] } });
    await send('a@example.org');
    const [event] = await sim.waitForEvents(1);
    expect(event).toMatchObject({ state: 'failed', attempts: 3, responseStatus: 503 });
  });

  it('drops what the provider never retries (Mailgun 406, Postmark 4xx)', async () => {
    const receiver = await startWebhookReceiver({
      status: ({ path }) => (path === '/mg' ? 406 : 401),
    });
    const sim = await startSimulator({
      webhooks: { urls: { mailgun: `${receiver.url}/mg`, postmark: `${receiver.url}/pm` } },
    });
    cleanup.push(
      () => sim.stop(),
      () => receiver.stop(),
    );
    const form = new FormData();
    form.append('from', 'sender@example.com');
    form.append('to', 'a@example.org');
    form.append('subject', 'Hi');
    form.append('text', 'x');
    await fetch(`${sim.url}/v3/${sim.mailgun.domain}/messages`, {
      method: 'POST',
      body: form,
      headers: {
        authorization: `Basic ${Buffer.from(`api:${sim.mailgun.apiKey}`).toString('base64')}`,
      },
    });
    await fetch(`${sim.url}/email`, {
      method: 'POST',
      headers: {
        'x-postmark-server-token': sim.postmark.serverToken,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        From: 'sender@example.com',
        To: 'a@example.org',
        Subject: 'Hi',
        TextBody: 'x',
      }),
    });
    const events = await sim.waitForEvents(2);
    expect(events.map((e) => [e.provider, e.state, e.attempts]).sort()).toEqual([
      ['mailgun', 'dropped', 1],
      ['postmark', 'dropped', 1],
    ]);
  });

  it('duplicates: every event twice with the same id', async () => {
    const { sim, send } = await setup({}, { duplicates: true });
    await send('a@example.org');
    const events = await sim.waitForEvents(2);
    expect(events.map((e) => e.duplicate).sort()).toEqual([false, true]);
    expect(events[0]?.id).toBe(events[1]?.id);
  });

  it('out of order: a complaint arrives before its delivery', async () => {
    const { sim, send } = await setup({}, { outOfOrder: true });
    await send('complained@resend.dev');
    const events = await sim.waitForEvents(2);
    expect(events.map((e) => e.type)).toEqual(['email.complained', 'email.delivered']);
  });
});

describe('recipient behaviour', () => {
  it('soft bounce 452 4.2.2 then delivered after N tries; deferral 421 4.7.28 at a domain; block 550 5.7.1; delayed delivery', async () => {
    const { sim, send } = await setup();
    sim.recipients.set('full@example.org', { kind: 'soft-bounce', failures: 2 });
    sim.recipients.set('throttled.example', { kind: 'defer', failures: 1 });
    sim.recipients.set('@strict.example', 'block');
    sim.recipients.set('slow@example.org', { kind: 'deliver', delayMs: 120 });
    const t0 = Date.now();
    await send('full@example.org');
    await send('x@throttled.example');
    await send('y@strict.example');
    await send('slow@example.org');
    const events = await sim.waitForEvents(7);
    const of = (r: string): string[] => events.filter((e) => e.recipient === r).map((e) => e.type);
    expect(of('full@example.org')).toEqual([
      'email.delivery_delayed',
      'email.delivery_delayed',
      'email.delivered',
    ]);
    expect(of('x@throttled.example')).toEqual(['email.delivery_delayed', 'email.delivered']);
    expect(of('y@strict.example')).toEqual(['email.bounced']);
    expect(events.find((e) => e.recipient === 'y@strict.example')?.payload).toMatchObject({
      data: {
        bounce: {
          type: 'Transient',
          diagnosticCode: [
            'smtp; 550 5.7.1 <y@strict.example>: Message rejected due to local policy.',
          ],
        },
      },
    });
    expect(of('slow@example.org')).toEqual(['email.delivered']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(120);
  });

  it('is deterministic for a seed: same ids and same random behaviour mix', async () => {
    const run = async (): Promise<string[]> => {
      const sim = await startSimulator({
        seed: 'same',
        recipients: { mix: { hardBounce: 0.3, complaint: 0.2 } },
      });
      try {
        const resend = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const out = await resend.emails.send({
            from: 'sender@example.com',
            to: [`user${i}@example.org`],
            subject: 'Hi',
            text: 'x',
          });
          ids.push(out.data?.id ?? '');
        }
        await sim.idle();
        return [...ids, ...sim.events.map((e) => `${e.recipient}:${e.type}`).sort()];
      } finally {
        await sim.stop();
      }
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a.some((x) => x.endsWith('email.bounced'))).toBe(true);
  });

  it('reset() forgets state and reseeds', async () => {
    const { sim, send } = await setup();
    const first = await send('a@example.org');
    sim.fail({ provider: 'resend', status: 500 });
    sim.reset();
    expect(sim.messages).toHaveLength(0);
    expect(sim.rules.list()).toHaveLength(0);
    expect(await send('a@example.org')).toBe(first);
  });
});
