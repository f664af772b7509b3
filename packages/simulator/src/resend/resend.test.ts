import { Resend } from 'resend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let resend: Resend;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'resend-test' });
  resend = new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const email = (to: string, subject = 'Hello') => ({
  from: 'Acme <sender@example.com>',
  to: [to],
  subject,
  text: 'hi',
  tags: [{ name: 'relay_id', value: 'rk_1' }],
  headers: { 'X-Custom': 'v1' },
});

describe('Resend through the resend SDK', () => {
  it('sends one email', async () => {
    const out = await resend.emails.send(email('alice@example.org'));
    expect(out.error).toBeNull();
    expect(out.data?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.messages[0]).toMatchObject({
      provider: 'resend',
      id: out.data?.id,
      tags: { relay_id: 'rk_1' },
      headers: { 'X-Custom': 'v1' },
    });
  });

  it('sends a batch', async () => {
    const out = await resend.batch.send([email('a@example.org'), email('b@example.org')]);
    expect(out.error).toBeNull();
    expect(out.data?.data).toHaveLength(2);
  });
});
