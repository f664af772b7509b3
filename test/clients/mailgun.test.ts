// mailgun.js's quick-start send, run with mailgun.js and with relaykit's drop-in client (only the
// import differs), then what relaykit adds: suppression, Retry-After and outages.
import Mailgun, {
  type ClientError,
  type ClientOptions,
  type MailgunClient,
} from '@relaykit/mailgun/client';
import { resend } from '@relaykit/resend';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import SdkMailgun from 'mailgun.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sim: Simulator;
const clients: MailgunClient[] = [];
const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  sim = await startSimulator({ seed: 'mailgun-client' });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.reset());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(relay: ClientOptions['relay'] = fast): MailgunClient {
  const mg = new Mailgun(FormData).client({ ...sim.mailgun.clientOptions, relay });
  clients.push(mg);
  return mg;
}

const rejection = async (promise: Promise<unknown>): Promise<ClientError> => {
  try {
    await promise;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected a rejection');
};

const mail = { from: 'a@example.com', to: 'b@example.org', subject: 'Hi', text: 'x' };

// mailgun.js README: "Imports" (new Mailgun(FormData).client(...)) and "Messages > create,
// HTML/TEXT Example" (node_modules/mailgun.js/README.md).
async function quickStart(Client: typeof SdkMailgun | typeof Mailgun) {
  const mailgun = new Client(FormData);
  const mg = mailgun.client(sim.mailgun.clientOptions);
  const msg = await mg.messages.create(sim.mailgun.domain, {
    from: 'Excited User <mailgun@sandbox-123.mailgun.org>',
    to: ['test@example.com'],
    subject: 'Hello',
    text: 'Testing some Mailgun awesomness!',
    html: '<h1>Testing some Mailgun awesomness!</h1>',
  });
  if ('close' in mg) clients.push(mg);
  return msg;
}

describe('@relaykit/mailgun/client: the SDK quick start with one changed import', () => {
  it('the module is the class, with .default the class again, as mailgun.js is', () => {
    expect(Mailgun.default).toBe(Mailgun);
    expect(SdkMailgun.default).toBe(SdkMailgun);
  });

  it('messages.create answers what mailgun.js answers', async () => {
    const sdk = await quickStart(SdkMailgun);
    const ours = await quickStart(Mailgun);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(sdk).sort());
    expect(ours).toMatchObject({ status: 200, message: sdk.message });
    expect(ours.id).toBe(sim.messages[1]?.id);
    expect(sdk.id).toBe(sim.messages[0]?.id);
  });

  it('carries tags, variables, headers, Reply-To and attachments', async () => {
    const mg = client();
    await mg.messages.create(sim.mailgun.domain, {
      ...mail,
      'o:tag': ['welcome'],
      'v:order': 'A-1',
      'h:X-Campaign': 'spring',
      'h:Reply-To': 'reply-to@example.com',
      attachment: [{ data: Buffer.from('total: 1'), filename: 'invoice.txt' }],
    });
    const [sent] = sim.messages;
    expect(sent?.metadata['order']).toBe('A-1');
    expect(sent?.tags).toMatchObject({ welcome: 'welcome' });
    expect(sent?.headers['X-Campaign']).toBe('spring');
    expect(sent?.attachments).toBe(1);
  });
});

describe('@relaykit/mailgun/client: templates', () => {
  beforeEach(() => {
    sim.templates.clear();
    sim.templates.set('name-of-the-template-you-made-in-mailgun-web-portal', {
      subject: 'Email {{title}}',
      text: 'Read {{slug}}',
    });
  });

  // mailgun.js README "Templates": template and h:X-Mailgun-Variables (a JSON string).
  it('messages.create with a template answers what mailgun.js answers', async () => {
    const title = 'A title';
    const slug = 'a-title';
    const mailgunData = {
      from: 'mailer@example.com',
      to: 'recipient@example.com',
      template: 'name-of-the-template-you-made-in-mailgun-web-portal',
      'h:X-Mailgun-Variables': JSON.stringify({ title, slug }),
      'h:Reply-To': 'reply-to@example.com',
    };
    const sdk = new SdkMailgun(FormData).client(sim.mailgun.clientOptions);
    const theirs = await sdk.messages.create(sim.mailgun.domain, mailgunData);
    const ours = await client().messages.create(sim.mailgun.domain, mailgunData);
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    expect(ours.id).toBe(sim.messages[1]?.id);
    expect(sim.messages[1]).toMatchObject({
      subject: 'Email A title',
      template: 'name-of-the-template-you-made-in-mailgun-web-portal',
    });
  });

  it('a missing template is a 400 APIError', async () => {
    const error = await rejection(
      client().messages.create(sim.mailgun.domain, {
        from: 'a@example.com',
        to: 'b@example.org',
        template: 'nope',
      }),
    );
    expect(error).toMatchObject({ status: 400, type: 'MailgunAPIError' });
  });
});

describe('@relaykit/mailgun/client: what relaykit adds', () => {
  it('a suppressed address is a 400 APIError naming the suppress-* reason, nothing sent', async () => {
    const mg = client();
    await mg
      .relayFor(sim.mailgun.domain)
      .suppressions.add('gone@example.org', { reason: 'hard-bounce' });
    const error = await rejection(
      mg.messages.create(sim.mailgun.domain, { ...mail, to: 'gone@example.org' }),
    );
    expect(error).toMatchObject({ status: 400, type: 'MailgunAPIError' });
    expect(error).toBeInstanceOf(Mailgun.MailgunAPIError);
    expect(error.details).toContain('gone@example.org (suppress-bounce: hard-bounce)');
    expect(error.relaykit.recipients).toEqual([
      { address: 'gone@example.org', status: 'suppressed', reason: 'hard-bounce' },
    ]);
    // The suppression holds for every sending domain of the client.
    await expect(
      mg.messages.create('other.example.net', { ...mail, to: 'gone@example.org' }),
    ).rejects.toMatchObject({ status: 400 });
    expect(sim.messages).toHaveLength(0);
  });

  // mailgun.js keeps no response headers (the adapter's errors.ts), so the Retry-After value cannot
  // be read: relaykit backs off by its own schedule and retries.
  it('a 429 with Retry-After is backed off and retried, and the send succeeds', async () => {
    const rule = sim.fail({
      provider: 'mailgun',
      fault: 'rate-limit',
      retryAfterSeconds: 1,
      times: 1,
    });
    const mg = client();
    const retries: number[] = [];
    mg.relayFor(sim.mailgun.domain).on('retry', (e) => retries.push(e.attempt));
    const result = await mg.messages.create(sim.mailgun.domain, mail);
    expect(rule.hits()).toBe(1);
    expect(retries).toEqual([1]);
    expect(result).toMatchObject({ status: 200, id: sim.messages[0]?.id });
  });

  it('a 429 that outlasts the retries is a 429 APIError', async () => {
    sim.fail({ provider: 'mailgun', fault: 'rate-limit', retryAfterSeconds: 1 });
    const mg = client({ retry: { attempts: 2, minDelayMs: 5, maxDelayMs: 20 }, throttle: false });
    const error = await rejection(mg.messages.create(sim.mailgun.domain, mail));
    expect(error).toMatchObject({ status: 429, type: 'MailgunAPIError' });
    expect(error.relaykit.error?.kind).toBe('rate-limited');
  });

  it('an outage is retried, then is a 503 APIError; with a backup it fails over', async () => {
    const rule = sim.fail({ provider: 'mailgun', fault: 'unavailable' });
    const alone = client({
      retry: { attempts: 3, minDelayMs: 5, maxDelayMs: 20 },
      throttle: false,
    });
    const error = await rejection(alone.messages.create(sim.mailgun.domain, mail));
    expect(error).toMatchObject({ status: 503, type: 'MailgunAPIError' });
    expect(rule.hits()).toBe(3);

    const backed = client({
      ...fast,
      throttle: false,
      providers: [
        resend({ apiKey: sim.resend.apiKey, baseUrl: sim.resend.baseUrl, webhook: false }),
      ],
    });
    const result = await backed.messages.create(sim.mailgun.domain, mail);
    expect(sim.messages.map((m) => m.provider)).toEqual(['resend']);
    expect(result.status).toBe(200);
  });

  it('refuses options and fields it cannot honour, naming them', async () => {
    expect(() =>
      new Mailgun(FormData).client({ ...sim.mailgun.clientOptions, useFetch: true }),
    ).toThrow(/cannot honour useFetch/u);
    const mg = client();
    const template = await rejection(
      mg.messages.create(sim.mailgun.domain, { ...mail, 'o:tracking-opens': 'yes' }),
    );
    expect(template).toMatchObject({ status: 400 });
    expect(template.details).toMatch(/\] o:tracking-opens: /u);
    const amp = await rejection(
      mg.messages.create(sim.mailgun.domain, { ...mail, 'amp-html': '<p>x</p>' }),
    );
    expect(amp.details).toMatch(/\] amp-html: /u);
    expect(sim.messages).toHaveLength(0);
  });
});
