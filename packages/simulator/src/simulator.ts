import { createRecipientBook, type RecipientBook } from './behaviour.ts';
import type { SimContext } from './context.ts';
import { signingIdentity } from './crypto/certificate.ts';
import { createDelivery } from './delivery.ts';
import { sleep } from './http/reply.ts';
import { createRouter } from './http/router.ts';
import { startHttpServer } from './http/server.ts';
import { registerMailgunRoutes } from './mailgun/routes.ts';
import type { SimulatorOptions } from './options.ts';
import { registerPostmarkRoutes } from './postmark/routes.ts';
import { createPrng, type Prng } from './prng.ts';
import { createRecorder, type EventWait } from './recorder.ts';
import { registerResendRoutes } from './resend/routes.ts';
import { createRuleEngine, type RuleEngine, type RuleHandle } from './rules.ts';
import { registerSesRoutes, type SesAccount, type SesSuppressionList } from './ses/routes.ts';
import { signingCertUrl, snsSubscriptionConfirmation, type SnsSettings } from './ses/sns.ts';
import { createTemplateStore, type TemplateStore } from './templates.ts';
import type { FailureRule, ProviderName, SimEvent, SimMessage } from './types.ts';
import { createDispatcher, type OutgoingWebhook } from './webhooks/dispatcher.ts';

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly seed: string;
  /** `new SESv2Client(sim.ses.clientConfig)` (add `maxAttempts: 1` to see errors without SDK retries). */
  readonly ses: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly clientConfig: {
      readonly region: string;
      readonly endpoint: string;
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    };
    /** `ses({ ...sim.ses.options, ... })`: the same, in the adapter's option names. */
    readonly options: {
      readonly region: string;
      readonly baseUrl: string;
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    };
    readonly topicArn: string;
    /** PEM of the self-signed certificate every SNS message is signed with. */
    readonly certificatePem: string;
    /** The https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem URL the messages name. */
    readonly signingCertUrl: string;
    /** Mutable: `sim.ses.account.sendingEnabled = false` pauses sending (GetAccount reflects it). */
    readonly account: SesAccount;
    /** Posts a signed SubscriptionConfirmation to the SES receiver. */
    sendSubscriptionConfirmation(): void;
  };
  /** `new ServerClient(sim.postmark.serverToken, sim.postmark.clientOptions)`. */
  readonly postmark: {
    readonly serverToken: string;
    readonly requestHost: string;
    readonly clientOptions: {
      readonly useHttps: false;
      readonly requestHost: string;
      readonly timeout: number;
    };
  };
  /** `new Mailgun(FormData).client(sim.mailgun.clientOptions)`, then `messages.create(sim.mailgun.domain, …)`. */
  readonly mailgun: {
    readonly url: string;
    readonly apiKey: string;
    readonly domain: string;
    readonly webhookSigningKey: string;
    readonly clientOptions: {
      readonly username: 'api';
      readonly key: string;
      readonly url: string;
      readonly timeout: number;
    };
  };
  /** `new Resend(sim.resend.apiKey, { baseUrl: sim.resend.baseUrl })`. */
  readonly resend: {
    readonly baseUrl: string;
    readonly apiKey: string;
    readonly webhookSecret: string;
  };
  /** Accepted messages, in order. */
  readonly messages: readonly SimMessage[];
  /** Generated webhooks (including their delivery state), in the order they became due. */
  readonly events: readonly SimEvent[];
  /** Failure injection. */
  readonly rules: RuleEngine;
  /** Shorthand for `rules.add`. */
  fail(rule: FailureRule): RuleHandle;
  /** Recipient behaviour scripts (address, `@domain` or domain). */
  readonly recipients: RecipientBook;
  /**
   * Stored templates, by id (Postmark alias or TemplateId, SES TemplateName, Mailgun name, Resend
   * id or alias): `templates.set('welcome', { subject: 'Hi {{name}}', html: '<p>{{name}}</p>' })`.
   * Every provider's templated send reads them; `reset()` keeps them.
   */
  readonly templates: TemplateStore;
  /** Change where a provider's (or every provider's) webhooks go. */
  setWebhookUrl(provider: ProviderName | 'all', url: string | undefined): void;
  waitForEvents(wait: EventWait, timeoutMs?: number): Promise<SimEvent[]>;
  waitForMessages(n: number, timeoutMs?: number): Promise<SimMessage[]>;
  /** Resolves when no webhook is scheduled or in flight. */
  idle(timeoutMs?: number): Promise<void>;
  /** Forget messages, events, rules, scripts, idempotency keys and pending webhooks; reseed (templates stay). */
  reset(): void;
  stop(): Promise<void>;
}

/** A Prng whose state can be replaced in place, so reset() can reseed what the modules hold. */
function reseedable(seed: string): Prng & { reseed(): void } {
  let inner = createPrng(seed);
  return {
    next: () => inner.next(),
    int: (n) => inner.int(n),
    hex: (n) => inner.hex(n),
    base62: (n) => inner.base62(n),
    uuid: () => inner.uuid(),
    reseed: () => {
      inner = createPrng(seed);
    },
  };
}

const DEFAULT_SECRETS = {
  postmarkToken: 'sim-postmark-server-token',
  mailgunKey: 'sim-mailgun-api-key',
  mailgunSigningKey: 'sim-mailgun-webhook-signing-key',
  resendKey: 're_sim_0123456789abcdef',
  // base64 of "relaykit-simulator-svix-secret!!"
  resendSecret: `whsec_${Buffer.from('relaykit-simulator-svix-secret!!').toString('base64')}`,
};

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const seed = String(options.seed ?? 'relaykit');
  const now = options.clock ?? Date.now;
  const hooks = options.webhooks ?? {};
  const prng = reseedable(seed);
  const identity = await signingIdentity();

  const urls = new Map<ProviderName, string | undefined>();
  const postmarkAuth = hooks.secrets?.postmark;
  const urlFor = (provider: ProviderName): string | undefined => {
    const url = urls.has(provider) ? urls.get(provider) : (hooks.urls?.[provider] ?? hooks.url);
    if (url && provider === 'postmark' && postmarkAuth?.username !== undefined) {
      const u = new URL(url);
      u.username = encodeURIComponent(postmarkAuth.username);
      u.password = encodeURIComponent(postmarkAuth.password ?? '');
      return u.toString();
    }
    return url;
  };

  const recorder = createRecorder();
  const rules = createRuleEngine(now);
  const recipients = createRecipientBook(
    seed,
    options.recipients?.default ?? 'deliver',
    options.recipients?.mix,
  );
  const scripts = options.recipients?.scripts ?? {};
  const applyScripts = (): void => {
    for (const [target, behaviour] of Object.entries(scripts)) recipients.set(target, behaviour);
  };
  applyScripts();

  const duplicates =
    hooks.duplicates === true ? 1 : typeof hooks.duplicates === 'number' ? hooks.duplicates : 0;
  const dispatcher = createDispatcher(
    {
      urlFor,
      timeScale: hooks.timeScale ?? 0.0001,
      delaysMs: hooks.retryDelaysMs ?? {},
      duplicates,
      timeoutMs: hooks.timeoutMs ?? 5_000,
    },
    recorder,
    prng,
  );
  const accept = createDelivery(
    {
      timing: { firstMs: hooks.delayMs ?? 10, retryMs: hooks.attemptIntervalMs ?? 10 },
      sentEvents: hooks.sentEvents ?? false,
      outOfOrder: hooks.outOfOrder ?? false,
    },
    recipients,
    recorder,
    dispatcher,
  );
  const latency = options.latencyMs;
  const templates = createTemplateStore();
  const ctx: SimContext = {
    prng,
    now,
    rules,
    recipients,
    templates,
    accept,
    latency(provider) {
      const ms = typeof latency === 'number' ? latency : latency?.[provider];
      return ms ? sleep(ms) : undefined;
    },
  };

  const region = options.ses?.region ?? 'us-east-1';
  const accountId = options.ses?.accountId ?? '123456789012';
  const topicArn =
    options.ses?.topicArn ?? `arn:aws:sns:${region}:${accountId}:relaykit-simulator-ses-events`;
  const sns: SnsSettings = {
    region,
    accountId,
    topicArn,
    // A separate stream, so the send ids after reset() match those after startup.
    subscriptionArn: `${topicArn}:${createPrng(`${seed}|sns`).uuid()}`,
    signatureVersion: hooks.snsSignatureVersion ?? '1',
    identity,
  };
  const account: SesAccount = {
    sendingEnabled: true,
    max24HourSend: options.ses?.max24HourSend ?? 50_000,
    maxSendRate: options.ses?.maxSendRate ?? 14,
    enforcementStatus: 'HEALTHY',
    productionAccessEnabled: true,
  };
  const sesSent = { count: 0 };
  const sesSuppressed: SesSuppressionList = new Map();
  const postmarkToken = options.postmark?.serverToken ?? DEFAULT_SECRETS.postmarkToken;
  const mailgunKey = options.mailgun?.apiKey ?? DEFAULT_SECRETS.mailgunKey;
  const mailgunSigningKey = hooks.secrets?.mailgun ?? DEFAULT_SECRETS.mailgunSigningKey;
  const resendKey = options.resend?.apiKey ?? DEFAULT_SECRETS.resendKey;
  const resendSecret = hooks.secrets?.resend ?? DEFAULT_SECRETS.resendSecret;
  const postmarkHeader = postmarkAuth?.header;

  const router = createRouter();
  registerSesRoutes(router, ctx, { prng, now, sns: () => sns }, account, sesSent, sesSuppressed);
  registerPostmarkRoutes(router, ctx, postmarkToken, {
    prng,
    serverId: options.postmark?.serverId ?? 1,
    headers: () =>
      postmarkHeader ? { [postmarkHeader.name.toLowerCase()]: postmarkHeader.value } : {},
  });
  registerMailgunRoutes(router, ctx, mailgunKey, { prng, signingKey: () => mailgunSigningKey });
  const idempotency = registerResendRoutes(router, ctx, resendKey, {
    prng,
    secret: () => resendSecret,
  });

  const server = await startHttpServer(router, host, options.port ?? 0);
  const url = server.url;

  const sendSubscriptionConfirmation = (): void => {
    const id = prng.uuid();
    const post = snsSubscriptionConfirmation(sns, id, prng.hex(256), new Date(now()).toISOString());
    const webhook: OutgoingWebhook = {
      provider: 'ses',
      id,
      type: 'SubscriptionConfirmation',
      kind: 'subscription',
      messageId: '',
      recipient: '',
      payload: post.envelope,
      render: () => ({ body: post.body, headers: post.headers }),
    };
    dispatcher.enqueue(webhook, 0);
  };
  if (hooks.snsSubscriptionConfirmation) sendSubscriptionConfirmation();

  const sesCredentials = {
    accessKeyId: 'AKIASIMULATOR0000000',
    secretAccessKey: 'simulator-secret-access-key',
  };
  return {
    url,
    host,
    port: server.port,
    seed,
    ses: {
      endpoint: url,
      region,
      credentials: sesCredentials,
      clientConfig: { region, endpoint: url, credentials: sesCredentials },
      options: { region, baseUrl: url, credentials: sesCredentials },
      topicArn,
      certificatePem: identity.certificatePem,
      signingCertUrl: signingCertUrl(sns),
      account,
      sendSubscriptionConfirmation,
    },
    postmark: {
      serverToken: postmarkToken,
      requestHost: url.replace(/^http:\/\//, ''),
      clientOptions: { useHttps: false, requestHost: url.replace(/^http:\/\//, ''), timeout: 10 },
    },
    mailgun: {
      url,
      apiKey: mailgunKey,
      domain: options.mailgun?.domain ?? 'mg.example.com',
      webhookSigningKey: mailgunSigningKey,
      clientOptions: { username: 'api', key: mailgunKey, url, timeout: 10_000 },
    },
    resend: { baseUrl: url, apiKey: resendKey, webhookSecret: resendSecret },
    messages: recorder.messages,
    events: recorder.events,
    rules,
    fail: (rule) => rules.add(rule),
    recipients,
    templates,
    setWebhookUrl(provider, target) {
      for (const p of provider === 'all'
        ? (['ses', 'postmark', 'mailgun', 'resend'] as const)
        : [provider])
        urls.set(p, target);
    },
    waitForEvents: (wait, timeoutMs) => recorder.waitForEvents(wait, timeoutMs),
    waitForMessages: (n, timeoutMs) => recorder.waitForMessages(n, timeoutMs),
    async idle(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (dispatcher.pending() > 0) {
        if (Date.now() > deadline)
          throw new Error(`[relaykit] [simulator] webhooks still pending after ${timeoutMs} ms`);
        await sleep(2);
      }
    },
    reset() {
      dispatcher.cancel();
      recorder.clear();
      rules.clear();
      recipients.clear();
      applyScripts();
      idempotency.clear();
      sesSent.count = 0;
      sesSuppressed.clear();
      account.sendingEnabled = true;
      prng.reseed();
    },
    async stop() {
      dispatcher.cancel();
      await server.close();
    },
  };
}
