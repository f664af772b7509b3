import { ServerClient } from 'postmark';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let pm: ServerClient;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'postmark-test' });
  pm = new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const msg = (to: string) => ({
  From: 'sender@example.com',
  To: to,
  Subject: 'Hello',
  TextBody: 'hi',
  Tag: 'receipt',
  Metadata: { relay_message_id: 'rk_1' },
  Headers: [{ Name: 'X-Custom', Value: 'v1' }],
  Attachments: [{ Name: 'a.txt', Content: 'aGVsbG8=', ContentType: 'text/plain', ContentID: null }],
});

describe('Postmark through the postmark SDK', () => {
  it('sends one email', async () => {
    const out = await pm.sendEmail(msg('alice@example.org'));
    expect(out).toMatchObject({ To: 'alice@example.org', ErrorCode: 0, Message: 'OK' });
    expect(out.MessageID).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.messages[0]).toMatchObject({
      provider: 'postmark',
      id: out.MessageID,
      metadata: { relay_message_id: 'rk_1' },
      tags: { Tag: 'receipt' },
      attachments: 1,
      stream: 'outbound',
    });
  });

  it('sends a batch', async () => {
    const out = await pm.sendEmailBatch([msg('a@example.org'), msg('b@example.org')]);
    expect(out.map((r) => r.ErrorCode)).toEqual([0, 0]);
    expect(sim.messages).toHaveLength(2);
  });
});
