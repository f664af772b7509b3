import { Errors, ServerClient } from 'postmark';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let pm: ServerClient;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'postmark-errors' });
  pm = new ServerClient(sim.postmark.serverToken, { ...sim.postmark.clientOptions, timeout: 1 });
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

const msg = (to: string, extra: Record<string, unknown> = {}) => ({
  From: 'sender@example.com',
  To: to,
  Subject: 'Hi',
  TextBody: 'x',
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<Errors.PostmarkError> {
  try {
    await p;
  } catch (error) {
    return error as Errors.PostmarkError;
  }
  throw new Error('expected the call to fail');
}

describe('Postmark errors as the SDK surfaces them', () => {
  it('inactive recipient: InactiveRecipientsError (422 / ErrorCode 406) naming the addresses', async () => {
    sim.recipients.set('gone@example.org', 'suppressed');
    const err = await failure(pm.sendEmail(msg('gone@example.org')));
    expect(err).toBeInstanceOf(Errors.InactiveRecipientsError);
    expect(err.code).toBe(406);
    expect(err.statusCode).toBe(422);
    expect((err as Errors.InactiveRecipientsError).recipients).toEqual(['gone@example.org']);
    expect(sim.messages).toHaveLength(0);
  });

  it('validation: InvalidEmailRequestError / ApiInputError with code 300', async () => {
    const err = await failure(
      pm.sendEmail({ From: 'sender@example.com', To: 'a@example.org', Subject: 'no body' }),
    );
    expect(err).toBeInstanceOf(Errors.InvalidEmailRequestError);
    expect(err).toBeInstanceOf(Errors.ApiInputError);
    expect(err.code).toBe(300);
  });

  it('account paused: ApiInputError with code 405', async () => {
    sim.fail({ provider: 'postmark', fault: 'account-paused' });
    const err = await failure(pm.sendEmail(msg('a@example.org')));
    expect(err).toBeInstanceOf(Errors.ApiInputError);
    expect(err.code).toBe(405);
  });

  it('bad token: InvalidAPIKeyError (401 / 10)', async () => {
    const bad = new ServerClient('wrong-token', sim.postmark.clientOptions);
    const err = await failure(bad.sendEmail(msg('a@example.org')));
    expect(err).toBeInstanceOf(Errors.InvalidAPIKeyError);
    expect(err.code).toBe(10);
    expect(err.statusCode).toBe(401);
  });

  it('rate limit, 500 and 503 map to their SDK classes', async () => {
    sim.fail({ provider: 'postmark', status: 429, times: 1 });
    expect(await failure(pm.sendEmail(msg('a@example.org')))).toBeInstanceOf(
      Errors.RateLimitExceededError,
    );
    sim.fail({ provider: 'postmark', status: 500, times: 1 });
    expect(await failure(pm.sendEmail(msg('a@example.org')))).toBeInstanceOf(
      Errors.InternalServerError,
    );
    sim.fail({ provider: 'postmark', status: 503, times: 1 });
    const unavailable = await failure(pm.sendEmail(msg('a@example.org')));
    expect(unavailable).toBeInstanceOf(Errors.ServiceUnavailablerError);
    expect(unavailable.statusCode).toBe(503);
  });

  it('reset and stall: PostmarkError with statusCode 0', async () => {
    sim.fail({ provider: 'postmark', fault: 'reset', times: 1 });
    const reset = await failure(pm.sendEmail(msg('a@example.org')));
    expect(reset.statusCode).toBe(0);
    sim.fail({ provider: 'postmark', fault: 'stall', times: 1 });
    const stalled = await failure(pm.sendEmail(msg('a@example.org')));
    expect(stalled).toBeInstanceOf(Errors.PostmarkError);
    expect(stalled.statusCode).toBe(0);
  });

  it('batch: 200 with per-element ErrorCode; the good elements are sent', async () => {
    sim.recipients.set('gone@example.org', 'suppressed');
    const out = await pm.sendEmailBatch([
      msg('a@example.org'),
      msg('gone@example.org'),
      msg('b@example.org', { TextBody: undefined }),
    ]);
    expect(out.map((r) => r.ErrorCode)).toEqual([0, 406, 300]);
    expect(out[1]?.Message).toContain('Found inactive addresses: gone@example.org.');
    expect(sim.messages).toHaveLength(1);
  });

  it('an outage window: sends fail inside it and pass after it', async () => {
    const t0 = Date.now();
    sim.fail({ provider: 'postmark', status: 503, from: t0, until: t0 + 150 });
    expect((await failure(pm.sendEmail(msg('a@example.org')))).statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 170));
    expect((await pm.sendEmail(msg('a@example.org'))).ErrorCode).toBe(0);
  });
});
