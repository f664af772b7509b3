// The postmark SDK's quick-start sends, run with the SDK's ServerClient and with relaykit's drop-in
// one (only the import differs), then what relaykit adds: suppression, Retry-After and outages.
import {
  ServerClient,
  type ClientError,
  type ServerClientOptions,
} from '@relaykit/postmark/client';
import { resend } from '@relaykit/resend';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { Errors, ServerClient as SdkServerClient } from 'postmark';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sim: Simulator;
const clients: ServerClient[] = [];
const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  sim = await startSimulator({ seed: 'postmark-client' });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.relay.close()));
});

function client(relay?: ServerClientOptions['relay']): ServerClient {
  const built = new ServerClient(sim.postmark.serverToken, {
    ...sim.postmark.clientOptions,
    relay: relay ?? fast,
  });
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

// The quick start of the postmark.js README (https://github.com/ActiveCampaign/postmark.js,
// "Sending emails"; the current README points at the wiki's "Sending email" page with the same call).
async function quickStart(Client: typeof SdkServerClient | typeof ServerClient) {
  const client = new Client(sim.postmark.serverToken, sim.postmark.clientOptions);
  const sent = await client.sendEmail({
    From: 'donotreply@example.com',
    To: 'target@example.us',
    Subject: 'Test',
    TextBody: 'Test Message',
  });
  // The wiki's batch example (https://github.com/ActiveCampaign/postmark.js/wiki/Sending-email).
  const batch = await client.sendEmailBatch([
    { From: 'sender@example.com', To: 'receiver@example.com', Subject: 'Test', TextBody: 'Hi' },
    { From: 'sender@example.com', To: 'receiver2@example.com', Subject: 'Test', TextBody: 'Hi' },
  ]);
  if (client instanceof ServerClient) clients.push(client);
  return { sent, batch };
}

describe('@relaykit/postmark/client: the SDK quick start with one changed import', () => {
  it('sendEmail and sendEmailBatch answer what the SDK answers', async () => {
    const sdk = await quickStart(SdkServerClient);
    const ours = await quickStart(ServerClient);
    expect(Object.keys(ours.sent).sort()).toEqual(Object.keys(sdk.sent).sort());
    expect(ours.sent).toMatchObject({ To: 'target@example.us', ErrorCode: 0, Message: 'OK' });
    expect(Number.isNaN(Date.parse(ours.sent.SubmittedAt))).toBe(false);
    expect(ours.batch.map((r) => r.ErrorCode)).toEqual([0, 0]);
    expect(ours.batch.map((r) => r.To)).toEqual(['receiver@example.com', 'receiver2@example.com']);
    // Each MessageID is the one Postmark (the simulator) gave the message relaykit sent.
    const ids = sim.messages.slice(3).map((m) => m.id);
    expect([ours.sent.MessageID, ...ours.batch.map((r) => r.MessageID)]).toEqual(ids);
    expect(sim.messages.slice(3).map((m) => m.metadata['relaykit-message-id'])).toHaveLength(3);
  });

  it('the callback form works as the SDK documents it', async () => {
    const c = client();
    const result = await new Promise((resolve, reject) => {
      void c.sendEmail(
        { From: 'a@example.com', To: 'b@example.org', Subject: 'Hi', TextBody: 'x' },
        (error, response) => (error ? reject(error) : resolve(response)),
      );
    });
    expect(result).toMatchObject({ ErrorCode: 0, MessageID: sim.messages[0]?.id });
  });

  it('carries Tag, Metadata, Headers and Attachments (the README attachment example)', async () => {
    const c = client();
    await c.sendEmail({
      From: 'donotreply@example.com',
      To: 'target@example.us',
      Subject: 'Test',
      TextBody: 'Test Message',
      Tag: 'welcome',
      Metadata: { order: 'A-1' },
      Headers: [{ Name: 'X-Campaign', Value: 'spring' }],
      Attachments: [
        {
          Content: Buffer.from('unicorns').toString('base64'),
          Name: 'PrettyUnicorn.jpg',
          ContentType: 'image/jpeg',
          ContentID: null,
        },
      ],
    });
    const [sent] = sim.messages;
    expect(sent).toMatchObject({ attachments: 1, metadata: { order: 'A-1' } });
    expect(sent?.tags).toEqual({ Tag: 'welcome' });
    expect(sent?.headers['X-Campaign']).toBe('spring');
  });
});

describe('@relaykit/postmark/client: templates', () => {
  beforeEach(() => {
    sim.templates.clear();
    sim.templates.set('welcome', { subject: 'Welcome {{name}}', text: 'Hi {{name}}' });
  });

  // The postmark.js wiki's template send (https://github.com/ActiveCampaign/postmark.js/wiki/Templates):
  // TemplateAlias (or TemplateId) and TemplateModel in place of Subject and bodies.
  it('sendEmailWithTemplate and sendEmailBatchWithTemplates answer what the SDK answers', async () => {
    const sdk = new SdkServerClient(sim.postmark.serverToken, sim.postmark.clientOptions);
    const c = client();
    const templated = {
      From: 'sender@example.com',
      To: 'receiver@example.com',
      TemplateAlias: 'welcome',
      TemplateModel: { name: 'Ada' },
    };
    const theirs = await sdk.sendEmailWithTemplate(templated);
    const ours = await c.sendEmailWithTemplate(templated);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({ ErrorCode: 0, MessageID: sim.messages[1]?.id });
    expect(sim.messages[1]).toMatchObject({ subject: 'Welcome Ada', template: 'welcome' });

    const batch = await c.sendEmailBatchWithTemplates([
      { ...templated, To: 'a@example.org', TemplateModel: { name: 'A' } },
      { ...templated, To: 'b@example.org', TemplateAlias: 'missing' },
    ]);
    expect(batch.map((r) => r.ErrorCode)).toEqual([0, 1101]);
    expect(sim.messages.at(-1)).toMatchObject({ subject: 'Welcome A', to: ['a@example.org'] });
  });

  it('a missing template is ApiInputError 1101, not retried', async () => {
    const c = client();
    const error = await rejection(
      c.sendEmailWithTemplate({
        From: 'a@example.com',
        To: 'b@example.org',
        TemplateAlias: 'missing',
        TemplateModel: {},
      }),
    );
    expect(error).toBeInstanceOf(Errors.ApiInputError);
    expect(error).toMatchObject({ code: 1101, statusCode: 422 });
  });
});

describe('@relaykit/postmark/client: what relaykit adds', () => {
  it("a suppressed address is Postmark's InactiveRecipientsError (406) with relaykit's reason", async () => {
    const c = client();
    await c.relay.suppressions.add('gone@example.org', { reason: 'hard-bounce' });
    const error = await rejection(
      c.sendEmail({ From: 'a@example.com', To: 'gone@example.org', Subject: 'Hi', TextBody: 'x' }),
    );
    expect(error).toBeInstanceOf(Errors.InactiveRecipientsError);
    expect(error).toMatchObject({ code: 406, statusCode: 422, recipients: ['gone@example.org'] });
    expect(error.relaykit.recipients).toEqual([
      { address: 'gone@example.org', status: 'suppressed', reason: 'hard-bounce' },
    ]);
    expect(sim.messages).toHaveLength(0);

    // In a batch, only that element fails, as Postmark answers a batch (200, ErrorCode per element).
    const batch = await c.sendEmailBatch([
      { From: 'a@example.com', To: 'gone@example.org', Subject: 'Hi', TextBody: 'x' },
      { From: 'a@example.com', To: 'ok@example.org', Subject: 'Hi', TextBody: 'x' },
    ]);
    expect(batch.map((r) => r.ErrorCode)).toEqual([406, 0]);
    expect(batch[0]?.Message).toContain('Found inactive addresses: gone@example.org');
    expect(sim.messages.map((m) => m.to)).toEqual([['ok@example.org']]);

    // Another recipient still gets it; the suppressed one is left out.
    const partial = await c.sendEmail({
      From: 'a@example.com',
      To: 'gone@example.org, ada@example.org',
      Subject: 'Hi',
      TextBody: 'x',
    });
    expect(partial.ErrorCode).toBe(0);
    expect(sim.messages.at(-1)?.to).toEqual(['ada@example.org']);
  });

  it('a 429 with Retry-After is waited out and the send succeeds', async () => {
    const rule = sim.fail({
      provider: 'postmark',
      fault: 'rate-limit',
      retryAfterSeconds: 1,
      times: 1,
    });
    const c = client();
    const started = Date.now();
    const response = await c.sendEmail({
      From: 'a@example.com',
      To: 'b@example.org',
      Subject: 'Hi',
      TextBody: 'x',
    });
    expect(rule.hits()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(response).toMatchObject({ ErrorCode: 0, MessageID: sim.messages[0]?.id });
  });

  it('a 429 that outlasts the retries is the SDK RateLimitExceededError', async () => {
    sim.fail({ provider: 'postmark', fault: 'rate-limit', retryAfterSeconds: 1 });
    const c = client({ retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 20 }, throttle: false });
    const error = await rejection(
      c.sendEmail({ From: 'a@example.com', To: 'b@example.org', Subject: 'Hi', TextBody: 'x' }),
    );
    expect(error).toBeInstanceOf(Errors.RateLimitExceededError);
    expect(error).toMatchObject({ code: 429, statusCode: 429 });
    expect(error.relaykit.error?.kind).toBe('rate-limited');
  });

  it('an outage is retried, then is the SDK ServiceUnavailablerError (503)', async () => {
    const rule = sim.fail({ provider: 'postmark', fault: 'unavailable' });
    const c = client({ retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 }, throttle: false });
    const error = await rejection(
      c.sendEmail({ From: 'a@example.com', To: 'b@example.org', Subject: 'Hi', TextBody: 'x' }),
    );
    expect(error).toBeInstanceOf(Errors.ServiceUnavailablerError);
    expect(error).toMatchObject({ code: 100, statusCode: 503 });
    expect(rule.hits()).toBe(3);
  });

  it('a passing server error is retried on Postmark; an outage fails over to the next provider', async () => {
    const blip = sim.fail({ provider: 'postmark', fault: 'server-error', times: 1 });
    const c = client({
      ...fast,
      throttle: false,
      providers: [
        resend({ apiKey: sim.resend.apiKey, baseUrl: sim.resend.baseUrl, webhook: false }),
      ],
    });
    const mail = { From: 'a@example.com', To: 'b@example.org', Subject: 'Hi', TextBody: 'x' };
    const first = await c.sendEmail(mail);
    expect(blip.hits()).toBe(1);
    expect(sim.messages.map((m) => m.provider)).toEqual(['postmark']);
    expect(first.MessageID).toBe(sim.messages[0]?.id);

    sim.fail({ provider: 'postmark', fault: 'unavailable' });
    const failovers: string[] = [];
    c.relay.on('failover', (e) => failovers.push(`${e.from}->${e.to}`));
    const second = await c.sendEmail(mail);
    expect(failovers).toEqual(['postmark->resend']);
    expect(second).toMatchObject({ ErrorCode: 0, MessageID: sim.messages.at(-1)?.id });
    expect(sim.messages.at(-1)?.provider).toBe('resend');
  });

  it('shares an existing relay', async () => {
    const first = client();
    const second = new ServerClient('unused-token', { relay: first.relay });
    expect(second.relay).toBe(first.relay);
    await first.relay.suppressions.add('shared@example.org');
    const error = await rejection(
      second.sendEmail({
        From: 'a@example.com',
        To: 'shared@example.org',
        Subject: 'x',
        TextBody: 'x',
      }),
    );
    expect(error).toBeInstanceOf(Errors.InactiveRecipientsError);
  });

  it('refuses SDK options and message fields it cannot honour, naming them', async () => {
    expect(
      () =>
        new ServerClient(sim.postmark.serverToken, {
          fetch: (input, init) => fetch(input, init),
        }),
    ).toThrow(/cannot honour fetch/u);
    const c = client();
    const tracked = await rejection(
      c.sendEmail({
        From: 'a@example.com',
        To: 'b@example.org',
        Subject: 'Hi',
        TextBody: 'x',
        TrackOpens: true,
      }),
    );
    expect(tracked).toBeInstanceOf(Errors.InvalidEmailRequestError);
    expect(tracked.code).toBe(300);
    expect(tracked.message).toMatch(/\] TrackOpens: /u);
    const stream = await rejection(
      c.sendEmail({
        From: 'a@example.com',
        To: 'b@example.org',
        Subject: 'Hi',
        TextBody: 'x',
        MessageStream: 'broadcast',
      }),
    );
    expect(stream.message).toMatch(/\] MessageStream: /u);
    expect(sim.messages).toHaveLength(0);
  });

  it('sends TrackOpens and MessageStream the provider was configured with', async () => {
    const c = new ServerClient(sim.postmark.serverToken, {
      ...sim.postmark.clientOptions,
      relay: fast,
      postmark: { trackOpens: true, messageStreams: { outreach: 'broadcast' } },
    });
    clients.push(c);
    await c.sendEmail({
      From: 'a@example.com',
      To: 'b@example.org',
      Subject: 'Hi',
      TextBody: 'x',
      TrackOpens: true,
      MessageStream: 'broadcast',
    });
    expect(sim.messages[0]?.stream).toBe('broadcast');
  });
});
