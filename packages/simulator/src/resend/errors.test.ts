import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let resend: Resend;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'resend-errors' });
  resend = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const email = (to = 'alice@example.org', subject = 'Hi') => ({
  from: 'sender@example.com',
  to: [to],
  subject,
  text: 'x',
});

describe('Resend errors as the SDK returns them', () => {
  it('bad key: { error: { name: invalid_api_key, statusCode: 403 } }', async () => {
    const bad = new Resend('re_wrong', { baseUrl: sim.resend.baseUrl });
    const out = await bad.emails.send(email());
    expect(out.data).toBeNull();
    expect(out.error).toMatchObject({ name: 'invalid_api_key', statusCode: 403 });
  });

  it('validation: 422 validation_error', async () => {
    const out = await resend.emails.send(email('nope'));
    expect(out.error).toMatchObject({ name: 'validation_error', statusCode: 422 });
  });

  it('rate limit: 429 with retry-after and ratelimit-* headers', async () => {
    sim.fail({ provider: 'resend', fault: 'rate-limit', retryAfterSeconds: 2 });
    const out = await resend.emails.send(email());
    expect(out.error).toMatchObject({ name: 'rate_limit_exceeded', statusCode: 429 });
    expect(out.headers).toMatchObject({
      'retry-after': '2',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '2',
      'ratelimit-limit': '2',
    });
  });

  it('5xx: internal_server_error', async () => {
    sim.fail({ provider: 'resend', status: 500 });
    expect((await resend.emails.send(email())).error).toMatchObject({
      name: 'internal_server_error',
      statusCode: 500,
    });
  });

  it('reset: application_error with statusCode null', async () => {
    sim.fail({ provider: 'resend', fault: 'reset' });
    expect((await resend.emails.send(email())).error).toMatchObject({
      name: 'application_error',
      statusCode: null,
    });
  });

  it('idempotency: same key and body → same id, one message', async () => {
    const a = await resend.emails.send(email(), { idempotencyKey: 'welcome/u1' });
    const b = await resend.emails.send(email(), { idempotencyKey: 'welcome/u1' });
    expect(a.data?.id).toBeTruthy();
    expect(b.data?.id).toBe(a.data?.id);
    expect(sim.messages).toHaveLength(1);
    expect(sim.messages[0]?.idempotencyKey).toBe('welcome/u1');
  });

  it('idempotency: same key, other body → 409 invalid_idempotent_request', async () => {
    await resend.emails.send(email(), { idempotencyKey: 'k2' });
    const out = await resend.emails.send(email('alice@example.org', 'Other subject'), {
      idempotencyKey: 'k2',
    });
    expect(out.error).toMatchObject({ name: 'invalid_idempotent_request', statusCode: 409 });
  });

  it('idempotency: concurrent same key → 409 concurrent_idempotent_requests', async () => {
    const slow = await (await import('../index.ts')).startSimulator({ latencyMs: { resend: 100 } });
    try {
      const client = new Resend(slow.resend.apiKey, { baseUrl: slow.resend.baseUrl });
      const [a, b] = await Promise.all([
        client.emails.send(email(), { idempotencyKey: 'k3' }),
        client.emails.send(email(), { idempotencyKey: 'k3' }),
      ]);
      const errors = [a.error, b.error].filter(Boolean);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ name: 'concurrent_idempotent_requests', statusCode: 409 });
    } finally {
      await slow.stop();
    }
  });

  it('idempotency: key longer than 256 chars → 400 invalid_idempotency_key', async () => {
    const out = await resend.emails.send(email(), { idempotencyKey: 'x'.repeat(257) });
    expect(out.error).toMatchObject({ name: 'invalid_idempotency_key', statusCode: 400 });
  });

  it('batch strict: one bad email fails the call; permissive: the others are sent', async () => {
    const strict = await resend.batch.send([email(), email('bad')]);
    expect(strict.error).toMatchObject({ name: 'validation_error', statusCode: 422 });
    const permissive = await resend.batch.send([email(), email('bad')], {
      batchValidation: 'permissive',
    });
    expect(permissive.error).toBeNull();
    expect(permissive.data?.data).toHaveLength(1);
    expect((permissive.data as { errors?: unknown[] }).errors).toEqual([
      { index: 1, message: expect.stringContaining('Invalid `to`') },
    ]);
  });
});
