import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let mg: ReturnType<Mailgun['client']>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'mailgun-test' });
  mg = new Mailgun(FormData).client(sim.mailgun.clientOptions);
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

describe('Mailgun through mailgun.js', () => {
  it('sends multipart with repeated fields, variables and attachments', async () => {
    const out = await mg.messages.create(sim.mailgun.domain, {
      from: 'Sender <sender@example.com>',
      to: ['alice@example.org', 'bob@example.org'],
      subject: 'Hello',
      text: 'hi',
      'o:tag': ['welcome', 'onboarding'],
      'v:relay_message_id': 'rk_1',
      'h:X-Custom': 'v1',
      attachment: [{ data: Buffer.from('hello'), filename: 'a.txt' }],
    });
    expect(out.status).toBe(200);
    expect(out.message).toBe('Queued. Thank you.');
    expect(out.id).toMatch(/^<\d{14}\.[0-9A-F]{16}@mg\.example\.com>$/);
    expect(sim.messages[0]).toMatchObject({
      provider: 'mailgun',
      id: out.id,
      to: ['alice@example.org', 'bob@example.org'],
      tags: { welcome: 'welcome', onboarding: 'onboarding' },
      metadata: { relay_message_id: 'rk_1' },
      headers: { 'X-Custom': 'v1' },
      attachments: 1,
      stream: 'mg.example.com',
    });
  });

  it('gives each recipient of a batch (recipient-variables) its own copy: its To, its variables', async () => {
    const to = Array.from({ length: 3 }, (_, i) => `r${i}@example.org`);
    const variables = Object.fromEntries(to.map((a, i) => [a, { rk: `rk_${i}` }]));
    await mg.messages.create(sim.mailgun.domain, {
      from: 'sender@example.com',
      to,
      subject: 'Hello',
      text: 'hi',
      'recipient-variables': JSON.stringify(variables),
      'v:relay_message_id': '%recipient.rk%',
    });
    const events = await sim.waitForEvents({
      count: 3,
      where: (e) => e.kind === 'delivered',
    });
    for (const event of events) {
      const data = (
        event.payload as {
          'event-data': { message: { headers: { to: string } }; 'user-variables': unknown };
        }
      )['event-data'];
      expect(data.message.headers.to).toBe(event.recipient);
      expect(data['user-variables']).toEqual({
        relay_message_id: variables[event.recipient]?.['rk'],
      });
    }
  });

  it('refuses recipient-variables that are not JSON', async () => {
    await expect(
      mg.messages.create(sim.mailgun.domain, {
        from: 'sender@example.com',
        to: ['a@example.org'],
        subject: 'Hello',
        text: 'hi',
        'recipient-variables': '{not json',
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
