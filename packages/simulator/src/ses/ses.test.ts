import {
  GetAccountCommand,
  SendBulkEmailCommand,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../index.ts';

let sim: Simulator;
let ses: SESv2Client;

beforeAll(async () => {
  sim = await startSimulator({ seed: 'ses-test' });
  ses = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1 });
});
afterAll(async () => {
  ses.destroy();
  await sim.stop();
});
beforeEach(() => sim.reset());

const simple = (to: string[], tags = [{ Name: 'relay_id', Value: 'rk_1' }]) =>
  new SendEmailCommand({
    FromEmailAddress: 'Sender <sender@example.com>',
    Destination: { ToAddresses: to },
    Content: {
      Simple: {
        Subject: { Data: 'Hello' },
        Body: { Text: { Data: 'hi' } },
        Headers: [{ Name: 'X-Custom', Value: 'v1' }],
        Attachments: [
          { RawContent: Buffer.from('hello'), FileName: 'a.txt', ContentType: 'text/plain' },
        ],
      },
    },
    EmailTags: tags,
    ConfigurationSetName: 'relay-events',
  });

describe('SES v2 through @aws-sdk/client-sesv2', () => {
  it('sends Simple content and records the message', async () => {
    const out = await ses.send(simple(['alice@example.org']));
    expect(out.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toBeTruthy();
    const [m] = sim.messages;
    expect(m).toMatchObject({
      provider: 'ses',
      id: out.MessageId,
      from: 'Sender <sender@example.com>',
      to: ['alice@example.org'],
      subject: 'Hello',
      headers: { 'X-Custom': 'v1' },
      tags: { relay_id: 'rk_1' },
      attachments: 1,
      stream: 'relay-events',
    });
  });

  it('sends Raw content, taking recipients and subject from the MIME headers', async () => {
    const raw = [
      'From: sender@example.com',
      'To: bob@example.org, Carol <carol@example.org>',
      'Subject: Raw hello',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'body',
      '--b1',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="x.txt"',
      '',
      'x',
      '--b1--',
      '',
    ].join('\r\n');
    const out = await ses.send(
      new SendEmailCommand({ Content: { Raw: { Data: Buffer.from(raw) } } }),
    );
    expect(out.MessageId).toBeTruthy();
    expect(sim.messages[0]).toMatchObject({
      from: 'sender@example.com',
      to: ['bob@example.org', 'Carol <carol@example.org>'],
      subject: 'Raw hello',
      attachments: 1,
    });
  });

  it('sends bulk templated email with one result per entry', async () => {
    const out = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'sender@example.com',
        DefaultContent: {
          Template: { TemplateContent: { Subject: 'Hi {{name}}', Text: 'x' }, TemplateData: '{}' },
        },
        DefaultEmailTags: [{ Name: 'campaign', Value: 'c1' }],
        BulkEmailEntries: [
          {
            Destination: { ToAddresses: ['a@example.org'] },
            ReplacementTags: [{ Name: 'relay_id', Value: 'rk_a' }],
          },
          { Destination: { ToAddresses: ['b@example.org'] } },
        ],
      }),
    );
    expect(out.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.messages.map((m) => m.tags)).toEqual([
      { campaign: 'c1', relay_id: 'rk_a' },
      { campaign: 'c1' },
    ]);
  });

  it('reports the account and its send quota', async () => {
    await ses.send(simple(['a@example.org', 'b@example.org']));
    const account = await ses.send(new GetAccountCommand({}));
    expect(account.SendingEnabled).toBe(true);
    expect(account.SendQuota).toEqual({
      Max24HourSend: 50000,
      MaxSendRate: 14,
      SentLast24Hours: 2,
    });
  });
});

describe('SES account-level suppression list', () => {
  it('PutSuppressedDestination makes later sends bounce OnAccountSuppressionList; Get and Delete work', async () => {
    const {
      PutSuppressedDestinationCommand,
      GetSuppressedDestinationCommand,
      DeleteSuppressedDestinationCommand,
      NotFoundException,
    } = await import('@aws-sdk/client-sesv2');
    await ses.send(
      new PutSuppressedDestinationCommand({ EmailAddress: 'Gone@Example.org', Reason: 'BOUNCE' }),
    );
    const got = await ses.send(
      new GetSuppressedDestinationCommand({ EmailAddress: 'gone@example.org' }),
    );
    expect(got.SuppressedDestination).toMatchObject({
      EmailAddress: 'gone@example.org',
      Reason: 'BOUNCE',
    });
    expect(got.SuppressedDestination?.LastUpdateTime).toBeInstanceOf(Date);
    await ses.send(simple(['gone@example.org']));
    const [event] = await sim.waitForEvents(1);
    expect(event?.payload).toMatchObject({
      eventType: 'Bounce',
      bounce: { bounceSubType: 'OnAccountSuppressionList' },
    });
    await ses.send(new DeleteSuppressedDestinationCommand({ EmailAddress: 'gone@example.org' }));
    await expect(
      ses.send(new GetSuppressedDestinationCommand({ EmailAddress: 'gone@example.org' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});
