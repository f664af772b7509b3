import {
  AccountSuspendedException,
  BadRequestException,
  GetAccountCommand,
  LimitExceededException,
  SendBulkEmailCommand,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let ses: SESv2Client;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'ses-errors' });
  ses = new SESv2Client({
    ...sim.ses.clientConfig,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
  });
});
afterAll(async () => {
  ses.destroy();
  await sim.stop();
});
beforeEach(() => sim.reset());

const send = (to = 'alice@example.org') =>
  ses.send(
    new SendEmailCommand({
      FromEmailAddress: 'sender@example.com',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
    }),
  );

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('SES v2 errors as the SDK surfaces them', () => {
  it('account paused: SendingPausedException, 400, and GetAccount shows sending disabled', async () => {
    sim.ses.account.sendingEnabled = false;
    const err = await failure(send());
    expect(err).toBeInstanceOf(SendingPausedException);
    expect((err as SendingPausedException).$metadata.httpStatusCode).toBe(400);
    expect((err as SendingPausedException).$fault).toBe('client');
    const account = await ses.send(new GetAccountCommand({}));
    expect(account.SendingEnabled).toBe(false);
  });

  it('account suspended by rule: AccountSuspendedException', async () => {
    sim.fail({ provider: 'ses', fault: 'account-suspended' });
    const err = await failure(send());
    expect(err).toBeInstanceOf(AccountSuspendedException);
    expect((err as AccountSuspendedException).$metadata.httpStatusCode).toBe(400);
  });

  it('rate limited: TooManyRequestsException 429 with the SES message', async () => {
    sim.fail({ provider: 'ses', fault: 'rate-limit' });
    const err = (await failure(send())) as TooManyRequestsException;
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.message).toBe('Maximum sending rate exceeded.');
  });

  it('daily quota: LimitExceededException', async () => {
    sim.fail({ provider: 'ses', fault: 'quota' });
    expect(await failure(send())).toBeInstanceOf(LimitExceededException);
  });

  it('validation: a bad address is a BadRequestException', async () => {
    const err = await failure(send('not-an-address'));
    expect(err).toBeInstanceOf(BadRequestException);
  });

  it('bad credentials: an unmodeled UnrecognizedClientException, 403', async () => {
    sim.fail({ provider: 'ses', fault: 'auth' });
    const err = (await failure(send())) as SESv2ServiceException;
    expect(err).toBeInstanceOf(SESv2ServiceException);
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('5xx: server faults with the status', async () => {
    sim.fail({ provider: 'ses', status: 503, times: 1 });
    const err = (await failure(send())) as SESv2ServiceException;
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.$fault).toBe('server');
    sim.fail({ provider: 'ses', status: 500, times: 1 });
    const err500 = (await failure(send())) as SESv2ServiceException;
    expect(err500.name).toBe('InternalServiceErrorException');
    expect((await send()).MessageId).toBeTruthy();
  });

  it('connection reset and stall surface as network errors', async () => {
    sim.fail({ provider: 'ses', fault: 'reset', times: 1 });
    const reset = (await failure(send())) as Error & { code?: string };
    expect(reset.code ?? reset.name).toMatch(/ECONNRESET|socket hang up/i);
    sim.fail({ provider: 'ses', fault: 'stall', times: 1 });
    const stalled = (await failure(send())) as Error;
    expect(stalled.name).toBe('TimeoutError');
  });

  it('bulk: per-entry rejection with a 200, other entries sent', async () => {
    sim.fail({ provider: 'ses', fault: 'inactive-recipient', recipient: 'b@example.org' });
    sim.templates.set('t1', { subject: 'Hello', text: 'hi' });
    const out = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'sender@example.com',
        DefaultContent: { Template: { TemplateName: 't1', TemplateData: '{}' } },
        BulkEmailEntries: [
          { Destination: { ToAddresses: ['a@example.org'] } },
          { Destination: { ToAddresses: ['b@example.org'] } },
        ],
      }),
    );
    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual([
      'SUCCESS',
      'MESSAGE_REJECTED',
    ]);
  });

  it('unsigned requests are refused', async () => {
    const res = await fetch(`${sim.url}/v2/email/outbound-emails`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
