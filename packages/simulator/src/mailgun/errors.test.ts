import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let mg: ReturnType<Mailgun['client']>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'mailgun-errors' });
  mg = new Mailgun(FormData).client({ ...sim.mailgun.clientOptions, timeout: 300 });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

interface ApiError {
  status: number;
  message: string;
  details: string;
  type: string;
}

const send = (to: string | string[] = 'alice@example.org', client = mg) =>
  client.messages.create(sim.mailgun.domain, {
    from: 'sender@example.com',
    to,
    subject: 'Hi',
    text: 'x',
  });

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('Mailgun errors as mailgun.js surfaces them', () => {
  it('bad key: APIError 401 with details "Forbidden"', async () => {
    const bad = new Mailgun(FormData).client({ ...sim.mailgun.clientOptions, key: 'wrong' });
    const err = await failure(send('a@example.org', bad));
    expect(err).toMatchObject({ status: 401, details: 'Forbidden', type: 'MailgunAPIError' });
  });

  it('validation: APIError 400 with the message in details', async () => {
    const err = await failure(send('not-an-address'));
    expect(err.status).toBe(400);
    expect(err.details).toContain('not a valid address');
  });

  it('scripted outage: sim.fail({ provider: "mailgun", status: 503, from, until })', async () => {
    const t0 = Date.now();
    sim.fail({ provider: 'mailgun', status: 503, from: t0, until: t0 + 150 });
    const err = await failure(send());
    expect(err).toMatchObject({
      status: 503,
      details: 'Service Unavailable',
      type: 'MailgunAPIError',
    });
    await new Promise((r) => setTimeout(r, 170));
    expect((await send()).status).toBe(200);
  });

  it('every Nth request: rate limited with 429', async () => {
    sim.fail({ provider: 'mailgun', status: 429, everyNth: 2 });
    expect((await send()).status).toBe(200);
    expect((await failure(send())).status).toBe(429);
    expect((await send()).status).toBe(200);
    expect((await failure(send())).details).toBe('Too many requests');
  });

  it('per recipient: only sends to the scripted domain fail', async () => {
    sim.fail({ provider: 'mailgun', recipient: '@blocked.example', status: 500 });
    expect((await send('ok@example.org')).status).toBe(200);
    expect((await failure(send('x@blocked.example'))).status).toBe(500);
  });

  it('account disabled: 403', async () => {
    sim.fail({ provider: 'mailgun', fault: 'account-suspended' });
    const err = await failure(send());
    expect(err.status).toBe(403);
    expect(err.details).toContain('is not allowed to send');
  });

  it('stall: the SDK times out (network errors surface as status 400 with an axios code)', async () => {
    sim.fail({ provider: 'mailgun', fault: 'stall', times: 1 });
    const err = await failure(send());
    expect(err.type).toBe('MailgunAPIError');
    expect(err.message).toMatch(/^E[A-Z]+|ERR_/);
  });
});
