// The AWS SDK's SES v2 quick-start send, run with the SDK's SESv2Client and with relaykit's
// drop-in one (only the import differs), then what relaykit adds: suppression, Retry-After and
// outages.
import {
  SESv2Client as SdkSESv2Client,
  SendEmailCommand as SdkSendEmailCommand,
  SendBulkEmailCommand as SdkSendBulkEmailCommand,
  MessageRejected,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { resend } from '@relaykit/resend';
import {
  SESv2Client,
  SendBulkEmailCommand,
  SendEmailCommand,
  type ClientConfig,
  type ClientError,
} from '@relaykit/ses/client';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sim: Simulator;
const clients: SESv2Client[] = [];
const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  sim = await startSimulator({ seed: 'ses-client' });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.relay.close()));
});

function client(relay: ClientConfig['relay'] = fast): SESv2Client {
  const built = new SESv2Client({ ...sim.ses.clientConfig, maxAttempts: 1, relay });
  clients.push(built);
  return built;
}

const rejection = async (promise: Promise<unknown>): Promise<ClientError> => {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected a rejection');
};

const simple = (to: string) =>
  new SendEmailCommand({
    FromEmailAddress: 'sender@example.com',
    Destination: { ToAddresses: [to] },
    Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
  });

// The SDK README's "Usage" (instantiate a client, a command, await client.send(command)) with the
// SendEmailCommand input of its @example (dist-types/commands/SendEmailCommand.d.ts).
async function quickStart(
  Client: typeof SdkSESv2Client | typeof SESv2Client,
  Command: typeof SdkSendEmailCommand | typeof SendEmailCommand,
) {
  const client = new Client(sim.ses.clientConfig);
  const params = {
    FromEmailAddress: 'sender@example.com',
    Destination: { ToAddresses: ['recipient@example.com'] },
    Content: {
      Simple: {
        Subject: { Data: 'Hello', Charset: 'UTF-8' },
        Body: { Text: { Data: 'Hello from SES', Charset: 'UTF-8' } },
      },
    },
  };
  const command = new Command(params);
  // Both clients' send takes the SDK's own SendEmailCommand (@relaykit/ses/client re-exports it).
  const data =
    client instanceof SESv2Client ? await client.send(command) : await client.send(command);
  if (client instanceof SESv2Client) clients.push(client);
  return data;
}

describe('@relaykit/ses/client: the SDK quick start with one changed import', () => {
  it('send(new SendEmailCommand(...)) answers what the SDK answers', async () => {
    const sdk = await quickStart(SdkSESv2Client, SdkSendEmailCommand);
    const ours = await quickStart(SESv2Client, SendEmailCommand);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(sdk).sort());
    expect(ours.$metadata.httpStatusCode).toBe(200);
    expect(ours.MessageId).toBe(sim.messages[1]?.id);
    expect(sdk.MessageId).toBe(sim.messages[0]?.id);
  });

  it('carries EmailTags, headers, Reply-To and attachments', async () => {
    const ses = client();
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'sender@example.com',
        Destination: { ToAddresses: ['a@example.org'], CcAddresses: ['c@example.org'] },
        ReplyToAddresses: ['reply@example.com'],
        EmailTags: [{ Name: 'campaign', Value: 'spring' }],
        Content: {
          Simple: {
            Subject: { Data: 'Hi' },
            Body: { Html: { Data: '<p>x</p>' } },
            Headers: [{ Name: 'X-Campaign', Value: 'spring' }],
            Attachments: [
              { FileName: 'a.txt', RawContent: Buffer.from('a'), ContentType: 'text/plain' },
            ],
          },
        },
      }),
    );
    const [sent] = sim.messages;
    expect(sent?.cc).toEqual(['c@example.org']);
    expect(sent?.tags['campaign']).toBe('spring');
    expect(sent?.attachments).toBe(1);
  });
});

describe('@relaykit/ses/client: templates', () => {
  beforeEach(() => {
    sim.templates.clear();
    sim.templates.set('MyTemplate', {
      subject: 'Greetings, {{name}}!',
      text: 'Dear {{name}}, your favorite animal is {{favoriteanimal}}.',
    });
  });

  // The SES developer guide's personalized send
  // (https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-api.html): Content.Template
  // with TemplateName and TemplateData, and SendBulkEmail with a default template and per-entry data.
  it('SendEmailCommand with Content.Template and SendBulkEmailCommand answer what the SDK answers', async () => {
    const sdk = new SdkSESv2Client(sim.ses.clientConfig);
    const ses = client();
    const input = {
      FromEmailAddress: 'sender@example.com',
      Destination: { ToAddresses: ['recipient@example.com'] },
      Content: {
        Template: {
          TemplateName: 'MyTemplate',
          TemplateData: JSON.stringify({ name: 'Alejandro', favoriteanimal: 'alligator' }),
        },
      },
    };
    const theirs = await sdk.send(new SdkSendEmailCommand(input));
    const ours = await ses.send(new SendEmailCommand(input));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(sim.messages[1]).toMatchObject({
      subject: 'Greetings, Alejandro!',
      template: 'MyTemplate',
    });

    const bulk = {
      FromEmailAddress: 'sender@example.com',
      DefaultContent: {
        Template: {
          TemplateName: 'MyTemplate',
          TemplateData: JSON.stringify({ name: 'friend', favoriteanimal: 'unknown' }),
        },
      },
      BulkEmailEntries: [
        {
          Destination: { ToAddresses: ['anaya@example.com'] },
          ReplacementEmailContent: {
            ReplacementTemplate: {
              ReplacementTemplateData: JSON.stringify({
                name: 'Anaya',
                favoriteanimal: 'angelfish',
              }),
            },
          },
        },
        { Destination: { ToAddresses: ['liu@example.com'] } },
      ],
    };
    const theirBulk = await sdk.send(new SdkSendBulkEmailCommand(bulk));
    const ourBulk = await ses.send(new SendBulkEmailCommand(bulk));
    expect(Object.keys(ourBulk).sort()).toEqual(Object.keys(theirBulk).sort());
    expect(ourBulk.BulkEmailEntryResults?.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(sim.messages.slice(-2).map((m) => m.subject)).toEqual([
      'Greetings, Anaya!',
      'Greetings, friend!',
    ]);
  });

  it('a suppressed bulk entry is MESSAGE_REJECTED, a missing template NotFoundException', async () => {
    const ses = client();
    await ses.relay.suppressions.add('gone@example.org');
    const result = await ses.send(
      new SendBulkEmailCommand({
        FromEmailAddress: 'sender@example.com',
        DefaultContent: { Template: { TemplateName: 'MyTemplate', TemplateData: '{"name":"x"}' } },
        BulkEmailEntries: [
          { Destination: { ToAddresses: ['gone@example.org'] } },
          { Destination: { ToAddresses: ['ok@example.org'] } },
        ],
      }),
    );
    expect(result.BulkEmailEntryResults?.map((r) => r.Status)).toEqual([
      'MESSAGE_REJECTED',
      'SUCCESS',
    ]);
    const missing = await rejection(
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'sender@example.com',
          Destination: { ToAddresses: ['a@example.org'] },
          Content: { Template: { TemplateName: 'Nope', TemplateData: '{}' } },
        }),
      ),
    );
    expect(missing.name).toBe('NotFoundException');
  });
});

describe('@relaykit/ses/client: what relaykit adds', () => {
  it('a suppressed address is MessageRejected (OnAccountSuppressionList) with relaykit reason', async () => {
    const ses = client();
    await ses.relay.suppressions.add('gone@example.org', { reason: 'hard-bounce' });
    const error = await rejection(ses.send(simple('gone@example.org')));
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.name).toBe('MessageRejected');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('OnAccountSuppressionList');
    expect(error.relaykit.recipients).toEqual([
      { address: 'gone@example.org', status: 'suppressed', reason: 'hard-bounce' },
    ]);
    expect(sim.messages).toHaveLength(0);
  });

  it('a 429 with Retry-After is waited out and the send succeeds', async () => {
    const rule = sim.fail({
      provider: 'ses',
      operation: 'send',
      fault: 'rate-limit',
      retryAfterSeconds: 1,
      times: 1,
    });
    const ses = client();
    const started = Date.now();
    const result = await ses.send(simple('b@example.org'));
    expect(rule.hits()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.MessageId).toBe(sim.messages[0]?.id);
  });

  it('a 429 that outlasts the retries is TooManyRequestsException', async () => {
    sim.fail({ provider: 'ses', fault: 'rate-limit', retryAfterSeconds: 1 });
    const ses = client({ retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 20 }, throttle: false });
    const error = await rejection(ses.send(simple('b@example.org')));
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.$metadata.httpStatusCode).toBe(429);
    expect(error.relaykit.error?.kind).toBe('rate-limited');
  });

  it('an outage is retried, then is the SDK 503 error; with a backup it fails over', async () => {
    const rule = sim.fail({ provider: 'ses', fault: 'unavailable' });
    const alone = client({
      retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
      throttle: false,
    });
    const error = await rejection(alone.send(simple('b@example.org')));
    expect(error.$metadata.httpStatusCode).toBe(503);
    expect(error.$fault).toBe('server');
    expect(rule.hits()).toBe(3);

    const backed = client({
      ...fast,
      throttle: false,
      providers: [
        resend({ apiKey: sim.resend.apiKey, baseUrl: sim.resend.baseUrl, webhook: false }),
      ],
    });
    const result = await backed.send(simple('b@example.org'));
    expect(sim.messages.map((m) => m.provider)).toEqual(['resend']);
    expect(result.MessageId).toBe(sim.messages[0]?.id);
  });

  it('refuses config, commands and fields it cannot honour, naming them', async () => {
    expect(
      () => new SESv2Client({ ...sim.ses.clientConfig, logger: console } as ClientConfig),
    ).toThrow(/cannot honour logger/u);
    const ses = client();
    const raw = await rejection(
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'sender@example.com',
          Destination: { ToAddresses: ['a@example.org'] },
          Content: { Raw: { Data: Buffer.from('Subject: x\r\n\r\nx') } },
        }),
      ),
    );
    expect(raw.name).toBe('BadRequestException');
    expect(raw.message).toMatch(/\] Content\.Raw: /u);
    const topic = await rejection(
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'sender@example.com',
          Destination: { ToAddresses: ['a@example.org'] },
          ListManagementOptions: { ContactListName: 'news' },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'x' } } } },
        }),
      ),
    );
    expect(topic.message).toMatch(/\] ListManagementOptions: /u);
    expect(sim.messages).toHaveLength(0);
  });
});
