import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRelay,
  createThrottle,
  defaultSlowDownRules,
  domainOf,
  serveWebhooks,
  type DeliveryEvent,
  type MessageInput,
} from '@relaykit/core';
import { mailgun } from '@relaykit/mailgun';
import { postmark } from '@relaykit/postmark';
import { resend } from '@relaykit/resend';
import { ses } from '@relaykit/ses';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { sqliteStores } from '@relaykit/sqlite';
import { buildAudience, companyMx, type Recipient } from './campaign.ts';
import { renderHtmlReport } from './html.ts';
import { createProgressView, renderProgress } from './progress.ts';
import { renderTextReport } from './report.ts';
import { createStats, type DemoStats } from './stats.ts';

export interface DemoOptions {
  /** How many recipients the campaign has. @default 5000 */
  recipients?: number;
  /** Where state (SQLite) and the HTML report go. @default a new temporary folder */
  dir?: string;
  /** Where the report is written. @default process.stdout */
  out?: { isTTY?: boolean; write(s: string): unknown };
  /** Live progress bars. @default when `out` is a terminal */
  progress?: boolean;
  /** Seconds of Postmark outage, starting two seconds in. @default 4 */
  outageSeconds?: number;
}

export interface DemoResult {
  stats: DemoStats;
  dir: string;
  database: string;
  report: string;
  /** Addresses suppressed by the end. */
  suppressed: number;
  /** Sends to already-suppressed addresses in the follow-up: all must be dropped. */
  followUp: { attempted: number; dropped: number; providerCalls: number };
}

const postmarkHook = { username: 'relaykit-demo', password: 'demo-webhook-password' };
const terminal = new Set<DeliveryEvent['type']>([
  'delivered',
  'bounced',
  'complained',
  'rejected',
  'suppressed',
]);

/**
 * The main job: a campaign through all four adapters against the simulator, with state in
 * SQLite, signed webhooks coming back, live progress, and a text and an HTML report.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const total = options.recipients ?? 5000;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'relaykit-demo-')));
  await mkdir(dir, { recursive: true });
  const database = join(dir, 'relaykit.db');
  const audience = buildAudience(total);

  // The demo's SES is the simulator on this machine; the SDK's notice about future Node versions
  // is not news for it.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const sim = await startSimulator({
    seed: 'relaykit-demo',
    recipients: { mix: { hardBounce: 0.02, softBounce: 0.01, complaint: 0.0008, block: 0.004 } },
    webhooks: { secrets: { postmark: postmarkHook }, snsSignatureVersion: '2' },
  });
  // The SES account's sending quota seeds the throttle's account rate.
  sim.ses.account.maxSendRate = 400;
  scriptDeferrals(sim, audience);

  const stores = sqliteStores(database, { synchronous: 'normal' });
  const stats = createStats(total);
  const throttle = createThrottle({
    profiles: {
      google: { rate: 160, burst: 40 },
      microsoft: { rate: 120, burst: 30 },
      yahoo: { rate: 90, burst: 20 },
      apple: { rate: 90, burst: 20 },
      other: { rate: 30, burst: 10 },
    },
    accounts: { resend: { rate: 200, burst: 50 } },
    // Company domains resolve through a fixed table here: the demo makes no network lookups.
    mx: {
      resolver: async (domain) =>
        (companyMx[domain] ?? []).map((exchange, i) => ({ exchange, priority: i * 10 })),
    },
    // Real pauses last minutes to hours (Gmail asks for 10 minutes): the demo compresses them to
    // seconds, and relaxes after 2 quiet seconds instead of 30, so a one-minute run shows both.
    adaptive: {
      quietMs: 2000,
      increaseIntervalMs: 500,
      increaseStep: 0.25,
      rules: defaultSlowDownRules.map((rule) =>
        rule.action.type === 'pause'
          ? {
              ...rule,
              action: { type: 'pause', ms: 3000 },
              reason: `${rule.reason} (demo: compressed to 3 s)`,
            }
          : rule,
      ),
    },
  });

  const relay = createRelay({
    providers: [
      postmark({
        serverToken: sim.postmark.serverToken,
        baseUrl: sim.url,
        webhook: { basicAuth: postmarkHook },
      }),
      ses({
        // One client with room for the demo's concurrency (the SDK's default agent holds 50 sockets).
        client: new SESv2Client({
          ...sim.ses.clientConfig,
          maxAttempts: 1,
          requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) },
        }),
        webhook: {
          topicArns: [sim.ses.topicArn],
          fetchCertificate: async (url) => {
            if (url !== sim.ses.signingCertUrl) throw new Error(`unexpected certificate ${url}`);
            return sim.ses.certificatePem;
          },
        },
      }),
      mailgun({
        apiKey: sim.mailgun.apiKey,
        domain: sim.mailgun.domain,
        baseUrl: sim.mailgun.url,
        webhook: { signingKey: sim.mailgun.webhookSigningKey },
      }),
      resend({
        apiKey: sim.resend.apiKey,
        baseUrl: sim.resend.baseUrl,
        webhook: { secret: sim.resend.webhookSecret },
      }),
    ],
    streams: {
      transactional: { domains: ['mail.acme.example'], providers: ['postmark', 'ses'] },
      outreach: {
        domains: ['news.acme.example'],
        providers: ['ses', 'mailgun', 'resend'],
        routing: 'round-robin',
      },
    },
    routing: { cooldownMs: 1500, failureThreshold: 2 },
    retry: { minDelayMs: 20, maxDelayMs: 200 },
    throttle,
    ledger: stores.ledger,
    state: stores.state,
    dedupe: stores.dedupe,
    suppression: { store: stores.suppression, strikes: stores.strikes },
    concurrency: 128,
  });
  const hooks = await serveWebhooks(relay);
  for (const provider of ['postmark', 'ses', 'mailgun', 'resend'] as const)
    sim.setWebhookUrl(provider, `${hooks.url}/${provider}`);

  const byAddress = new Map<string, Recipient & { profile: string }>();
  for (const r of audience)
    byAddress.set(r.address, { ...r, profile: await throttle.profileOf(r.domain) });
  const where = (address: string, provider?: string) => {
    const r = byAddress.get(address.toLowerCase());
    return { provider, profile: r?.profile, stream: r?.stream };
  };
  const settled = new Set<string>();
  let suppressedCount = 0;

  relay.on('event', (e) => {
    const w = where(e.recipient, e.provider);
    if (e.type === 'delivered') stats.tick(w.profile ?? 'other', 'delivered');
    if (e.type === 'deferred') stats.tick(w.profile ?? 'other', 'deferred');
    if (
      e.type === 'delivered' ||
      e.type === 'deferred' ||
      e.type === 'bounced' ||
      e.type === 'complained'
    )
      stats.count(e.type, w);
    if (terminal.has(e.type)) settled.add(e.recipient.toLowerCase());
  });
  relay.on('suppression', (d) => {
    if (d.type !== 'suppressed') return;
    suppressedCount += 1;
    stats.suppression.push({ second: stats.elapsed(), size: suppressedCount });
  });
  relay.on('throttle', (t) => {
    if (t.type === 'seed' && t.scope === 'account') return;
    stats.throttle.push({
      second: stats.elapsed(),
      profile: `${t.scope} ${t.key}`,
      reason: t.type,
      detail: `${fmtRate(t.from)} → ${fmtRate(t.to)}/s: ${t.reason}`,
    });
  });
  relay.on('failover', (f) =>
    stats.failovers.push({ second: stats.elapsed(), from: f.from, to: f.to, reason: f.error.kind }),
  );
  relay.on('circuit', (c) =>
    stats.circuits.push({
      second: stats.elapsed(),
      provider: c.provider,
      state: c.state,
      reason: c.reason,
    }),
  );
  relay.on('alert', (a) => stats.alerts.push({ second: stats.elapsed(), message: a.message }));

  const outageMs = (options.outageSeconds ?? 4) * 1000;
  const start = Date.now();
  sim.fail({
    provider: 'postmark',
    fault: 'unavailable',
    from: start + 2000,
    until: start + 2000 + outageMs,
  });

  const view = createProgressView(out, options.progress ?? out.isTTY === true);
  const totals = {
    byStream: count(audience, (r) => r.stream),
    byProfile: count([...byAddress.values()], (r) => r.profile),
  };
  out.write(
    `relaykit demo: ${total} recipients, 2 streams, 4 providers (Postmark down for ${outageMs / 1000} s), state in ${database}\n`,
  );
  const timer = setInterval(() => view.draw(renderProgress(stats, totals)), 200);

  const messages: MessageInput[] = audience.map((r, i) => message(r, i));
  // One message at a time through the pipeline (not the providers' batch calls): a campaign
  // paced per mailbox provider, so each message waits for its own recipient's budget.
  const results = await relay.sendBatch(messages, { concurrency: 128, providerBatches: false });
  results.forEach((result, i) => {
    const r = audience[i] as Recipient;
    if (!result.ok) {
      stats.count('failed', where(r.address));
      settled.add(r.address);
      return;
    }
    for (const rec of result.report.recipients) {
      const w = where(rec.address, rec.provider);
      if (rec.status === 'sent') stats.count('sent', w);
      else if (rec.status === 'suppressed') stats.count('suppressed', w);
      else stats.count('rejected', w);
      if (rec.status !== 'sent') settled.add(rec.address.toLowerCase());
    }
  });

  // Webhooks keep arriving after the last send: wait until every recipient's story has ended.
  const deadline = Date.now() + 20_000;
  while (settled.size < total && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await sim.idle(5000).catch(() => undefined);
  clearInterval(timer);
  view.draw(renderProgress(stats, totals), true);

  // A second campaign to the addresses that bounced or complained: the suppression list holds.
  const callsBefore = sim.messages.length;
  const bounced = [...(await stores.suppression.list({ limit: 200 })).entries]
    .map((e) => e.address)
    .filter((a) => a.includes('@') && !a.startsWith('@'));
  const again = await relay.sendBatch(
    bounced.map((address) => ({
      from: 'Acme News <news@news.acme.example>',
      to: address,
      subject: 'We miss you',
      text: 'Come back!',
    })),
  );
  const dropped = again.filter(
    (r) => r.ok && r.report.recipients.every((x) => x.status === 'suppressed'),
  ).length;

  stats.finishedAt = new Date();
  const report = join(dir, 'relaykit-report.html');
  await writeFile(report, renderHtmlReport(stats));
  out.write(
    `\n${renderTextReport(stats, { suppressed: suppressedCount, followUp: { attempted: bounced.length, dropped } })}\n`,
  );
  out.write(`State: ${database}\nHTML report with charts: open file://${report}\n`);

  await hooks.close();
  await relay.close();
  await sim.stop();
  stores.close();
  return {
    stats,
    dir,
    database,
    report,
    suppressed: suppressedCount,
    followUp: {
      attempted: bounced.length,
      dropped,
      providerCalls: sim.messages.length - callsBefore,
    },
  };
}

function message(r: Recipient, i: number): MessageInput {
  if (r.stream === 'transactional') {
    return {
      from: 'Acme <orders@mail.acme.example>',
      to: r.address,
      subject: `Your receipt #${10000 + i}`,
      text: 'Thanks for your order.',
      html: '<p>Thanks for your order.</p>',
      tags: ['receipt'],
    };
  }
  return {
    from: 'Acme News <news@news.acme.example>',
    to: r.address,
    subject: 'What is new at Acme this month',
    text: 'Our monthly news.',
    html: '<p>Our monthly news.</p>',
    tags: ['newsletter'],
    listUnsubscribe: { url: `https://news.acme.example/unsubscribe/${i}`, oneClick: true },
  };
}

/**
 * Deferrals at one mailbox provider: a burst of Gmail 421 4.7.28 early in the run (the first 150
 * Gmail addresses are deferred twice), so the Google profile is seen to slow down and, once the
 * burst is over, to recover.
 */
function scriptDeferrals(sim: Simulator, audience: readonly Recipient[]): void {
  let n = 0;
  for (const r of audience) {
    if (domainOf(r.address) === 'gmail.com' && n++ < 150)
      sim.recipients.set(r.address, { kind: 'defer', failures: 2 });
  }
}

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const fmtRate = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '∞');
