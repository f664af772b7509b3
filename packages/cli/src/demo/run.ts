import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHealthGuard,
  createRelay,
  createThrottle,
  defaultSlowDownRules,
  serveWebhooks,
  type MessageInput,
  type SuppressionEntry,
  type SuppressionStore,
} from '@relaykit/core';
import { domainOf } from '@relaykit/core/adapter';
import { startSimulator, type Simulator } from '@relaykit/simulator';
import { sqliteStores } from '@relaykit/sqlite';
import { buildAudience, companyMx, type Recipient } from './campaign.ts';
import { renderHtmlReport } from './html.ts';
import { DemoError } from './errors.ts';
import { createProgressView, renderProgress, type ProgressOut } from './progress.ts';
import { renderTextReport } from './report.ts';
import { postmarkHook, simulatedProviders } from './simulated.ts';
import { createStats, type DemoStats } from './stats.ts';
import { watchRelay } from './watch.ts';

export interface DemoOptions {
  /** How many recipients the campaign has. @default 5000 */
  recipients?: number;
  /** Where state (SQLite) and the HTML report go. @default a new temporary folder */
  dir?: string;
  /** Where the report is written. @default process.stdout */
  out?: ProgressOut;
  /** Live progress (redrawn in place; only on a terminal). @default when `out` is a terminal */
  progress?: boolean;
  /** Seconds of Postmark outage, starting two seconds in. @default 4 */
  outageSeconds?: number;
  /**
   * Keep the state in PostgreSQL instead of SQLite: a `postgres://` URL (the application's
   * database). The demo's tables go in their own schema, `schema`.
   */
  store?: string;
  /**
   * The PostgreSQL schema for `store`. @default a new one per run, `relaykit_demo_<time>`, so
   * every run starts from an empty state as a new SQLite folder would (it is kept afterwards)
   */
  schema?: string;
  /** Called as each stage starts, with the state folder; a throw stops the demo (and cleans up). */
  onStage?: (stage: string, info: { dir: string | undefined }) => void;
}

export interface DemoResult {
  stats: DemoStats;
  dir: string;
  /** Where the state is: the SQLite file, or the PostgreSQL URL (no password) and schema. */
  database: string;
  /** The PostgreSQL schema the state went into, when `store` was given. */
  schema?: string;
  report: string;
  /** Addresses suppressed during the run. */
  suppressed: number;
  /** Addresses already suppressed before the run (an import from a previous provider). */
  preSuppressed: number;
  /** Sends to already-suppressed addresses in the follow-up: all must be dropped. */
  followUp: { attempted: number; dropped: number; providerCalls: number };
}

/**
 * The demo's stores in PostgreSQL (`relaykit demo --store postgres://…`), in their own schema,
 * created with its tables by the stores' migrations. The pool is sized for the demo's send
 * concurrency.
 */
async function openPostgres(url: string, schema: string, cleanup: Array<() => unknown>) {
  if (!/^postgres(ql)?:\/\//u.test(url))
    throw new Error(
      `--store must be a postgres:// URL (the demo keeps its state in SQLite without it), not '${url.split(':')[0] ?? url}:…'`,
    );
  const { postgresStores, redact } = await import('@relaykit/postgres');
  const stores = postgresStores({ connectionString: url, schema, max: 20 });
  cleanup.push(() => stores.close());
  await stores.ready();
  return { ...stores, label: redact(url) };
}

/**
 * The main job: a campaign through all four adapters against the simulator, with state in
 * SQLite, signed webhooks coming back, live progress, and a text and an HTML report. Whatever
 * happens, the simulator, the webhook server and the database are closed before it returns; on a
 * failure the temporary folder it made is removed and a DemoError names the stage.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const total = options.recipients ?? 5000;
  const cleanup: Array<() => unknown> = [];
  const view = createProgressView(out, options.progress ?? out.isTTY === true);
  const columns = () => Math.min(out.columns ?? 80, 100);
  let dir: string | undefined;
  let stage = 'preparing';
  let succeeded = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const began = Date.now();
  const enter = (name: string, line?: string) => {
    stage = name;
    options.onStage?.(name, { dir });
    if (line !== undefined)
      view.stage(`[${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  };

  try {
    enter('creating the state folder');
    if (options.dir === undefined) {
      dir = await mkdtemp(join(tmpdir(), 'relaykit-demo-'));
      const made = dir;
      // Temporary files go when the demo fails; on success the folder holds the report to open.
      cleanup.push(() => (succeeded ? undefined : rm(made, { recursive: true, force: true })));
    } else {
      dir = options.dir;
      await mkdir(dir, { recursive: true });
    }
    const postgres = options.store !== undefined;
    const schema = postgres
      ? (options.schema ??
        `relaykit_demo_${began.toString(36)}${Math.floor(Math.random() * 1296)
          .toString(36)
          .padStart(2, '0')}`)
      : undefined;
    let database = join(dir, 'relaykit.db');
    const audience = buildAudience(total);

    enter('starting the simulator');
    // The demo's SES is the simulator on this machine; the SDK's notice about future Node versions
    // is not news for it.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
    const sim = await startSimulator({
      seed: 'relaykit-demo',
      recipients: { mix: { hardBounce: 0.02, softBounce: 0.01, block: 0.004 } },
      webhooks: { secrets: { postmark: postmarkHook }, snsSignatureVersion: '2' },
    });
    cleanup.push(() => sim.stop());
    // The SES account's sending quota seeds the throttle's account rate.
    sim.ses.account.maxSendRate = 400;
    scriptDeferrals(sim, audience);
    const complaints = scriptComplaints(sim, audience);

    enter(postgres ? 'opening the PostgreSQL state' : 'opening the SQLite state');
    const pg = postgres
      ? await openPostgres(options.store as string, schema as string, cleanup)
      : undefined;
    const stores = pg ?? sqliteStores(database, { synchronous: 'normal' });
    if (pg === undefined) cleanup.push(() => stores.close());
    else database = `${pg.label} (schema ${schema})`;
    const preSuppressed = await importPreviousSuppressions(stores.suppression, audience);

    const stats = createStats(total);
    stats.preSuppressed = preSuppressed;
    const throttle = createDemoThrottle();
    const relay = createRelay({
      providers: simulatedProviders(sim),
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
      // The default warning levels (SES's review thresholds); the pause levels are raised so a
      // synthetic list with scripted complaints runs to the end and the alert is seen, not obeyed.
      guard: createHealthGuard({
        complaintRate: { warn: 0.001, pause: 0.05 },
        onAlert: (a) =>
          stats.alerts.push({ second: stats.elapsed(), type: a.type, message: a.message }),
      }),
      ledger: stores.ledger,
      state: stores.state,
      dedupe: stores.dedupe,
      suppression: { store: stores.suppression, strikes: stores.strikes },
      concurrency: 128,
    });
    cleanup.push(() => relay.close());
    const hooks = await serveWebhooks(relay);
    cleanup.push(() => hooks.close());
    for (const provider of ['postmark', 'ses', 'mailgun', 'resend'] as const)
      sim.setWebhookUrl(provider, `${hooks.url}/${provider}`);

    const byAddress = new Map<string, Recipient & { profile: string }>();
    for (const r of audience)
      byAddress.set(r.address, { ...r, profile: await throttle.profileOf(r.domain) });
    const where = (address: string, provider?: string) => {
      const r = byAddress.get(address.toLowerCase());
      return { provider, profile: r?.profile, stream: r?.stream };
    };
    const watch = watchRelay(relay, stats, { where, preSuppressed, healthAlerts: false });
    const settled = watch.settled;

    const outageMs = (options.outageSeconds ?? 4) * 1000;
    const start = Date.now();
    const outageFrom = start + 2000;
    sim.fail({
      provider: 'postmark',
      fault: 'unavailable',
      from: outageFrom,
      until: outageFrom + outageMs,
    });
    if (outageMs > 0)
      stats.outage = {
        provider: 'Postmark',
        from: (outageFrom - stats.startedAt.getTime()) / 1000,
        until: (outageFrom + outageMs - stats.startedAt.getTime()) / 1000,
      };

    const totals = {
      byStream: count(audience, (r) => r.stream),
      byProfile: count([...byAddress.values()], (r) => r.profile),
    };
    view.stage(
      [
        `relaykit demo: ${total.toLocaleString('en-US')} recipients, 2 streams, 4 providers`,
        `  Postmark down ${outageMs / 1000} s from 2 s in · ${complaints} complaints scripted · ${preSuppressed} already suppressed`,
        `  state in ${database}`,
      ].join('\n'),
    );
    const live = (name: string) => view.draw(renderProgress(stats, totals, name, columns()));
    enter('sending the campaign', `sending ${total.toLocaleString('en-US')} messages`);
    // What each provider accepted, second by second, read from the simulator's own record.
    let sampled = 0;
    const sample = () => {
      const accepted = sim.messages;
      for (; sampled < accepted.length; sampled += 1)
        stats.tickSend((accepted[sampled] as (typeof accepted)[number]).provider);
      stats.accepted = sampled;
    };
    timer = setInterval(() => {
      sample();
      live('sending');
    }, 200);

    // One message at a time through the pipeline (not the providers' batch calls): a campaign
    // paced per mailbox provider, so each message waits for its own recipient's budget.
    const results = await relay.sendBatch(
      audience.map((r, i) => message(r, i)),
      { concurrency: 128, providerBatches: false },
    );
    results.forEach((result, i) => {
      const r = audience[i] as Recipient;
      if (!result.ok) {
        stats.count('failed', r.address, where(r.address));
        settled.add(r.address);
        return;
      }
      for (const rec of result.report.recipients) {
        const address = rec.address.toLowerCase();
        const w = where(address, rec.provider);
        if (rec.status === 'sent') stats.count('sent', address, w);
        else {
          stats.count(rec.status === 'suppressed' ? 'suppressed' : 'rejected', address, w);
          settled.add(address);
        }
      }
    });
    sample();
    stats.sendingEndedAt = new Date();

    enter(
      'waiting for webhooks',
      `all ${total.toLocaleString('en-US')} messages answered (${stats.totals.sent.toLocaleString('en-US')} accepted); waiting for the last webhooks`,
    );
    clearInterval(timer);
    timer = setInterval(() => {
      sample();
      live('webhooks');
    }, 200);
    // Webhooks keep arriving after the last send: wait until every recipient's story has ended.
    const deadline = Date.now() + 20_000;
    while (settled.size < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await sim.idle(5000).catch(() => undefined);
    stats.observedUntil = stats.elapsed();
    clearInterval(timer);
    timer = undefined;
    live('done');
    view.done();

    watch.stopCounting();
    enter('sending the follow-up', 'a follow-up campaign to every suppressed address');
    const callsBefore = sim.messages.length;
    const suppressedAddresses: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.suppression.list({ limit: 500, ...(cursor ? { cursor } : {}) });
      suppressedAddresses.push(
        ...page.entries.map((e) => e.address).filter((a) => a.includes('@') && !a.startsWith('@')),
      );
      cursor = page.cursor;
    } while (cursor !== undefined && suppressedAddresses.length < 400);
    const followUp = suppressedAddresses.slice(0, 400);
    const again = await relay.sendBatch(
      followUp.map((address) => ({
        from: 'Acme News <news@news.acme.example>',
        to: address,
        subject: 'We miss you',
        text: 'Come back!',
      })),
    );
    const dropped = again.filter(
      (r) => r.ok && r.report.recipients.every((x) => x.status === 'suppressed'),
    ).length;

    enter('writing the report');
    stats.finishedAt = new Date();
    const report = join(dir, 'relaykit-report.html');
    await writeFile(report, renderHtmlReport(stats));
    view.stage(`[${((Date.now() - began) / 1000).toFixed(1).padStart(5)} s] report written`);
    out.write(
      `\n${renderTextReport(stats, { suppressed: watch.suppressed, followUp: { attempted: followUp.length, dropped } })}\n`,
    );
    out.write(`State: ${database}\nHTML report with charts: open file://${report}\n`);
    succeeded = true;
    return {
      stats,
      dir,
      database,
      ...(schema === undefined ? {} : { schema }),
      report,
      suppressed: watch.suppressed,
      preSuppressed,
      followUp: {
        attempted: followUp.length,
        dropped,
        providerCalls: sim.messages.length - callsBefore,
      },
    };
  } catch (error) {
    throw error instanceof DemoError ? error : new DemoError(stage, error);
  } finally {
    if (timer) clearInterval(timer);
    view.done();
    // Last opened, first closed; one failing close does not keep the others open.
    for (const close of cleanup.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
  }
}

function createDemoThrottle() {
  return createThrottle({
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
}

/** Every 97th recipient was suppressed at a previous provider: its export is imported first. */
async function importPreviousSuppressions(
  store: SuppressionStore,
  audience: readonly Recipient[],
): Promise<number> {
  const reasons = ['hard-bounce', 'complaint', 'unsubscribe'] as const;
  const at = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  const entries: SuppressionEntry[] = audience
    .filter((_, i) => i % 97 === 50)
    .map((r, i) => ({
      address: r.address,
      reason: reasons[i % reasons.length] as SuppressionEntry['reason'],
      source: { type: 'import', detail: 'the previous provider’s suppression export' },
      firstSeen: at,
      lastSeen: at,
    }));
  await store.add(entries);
  return entries.length;
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
 * Complaints, about 0.15% of the list (every 661st recipient): past the 0.1% at which SES reviews
 * an account, so the health guard warns. Returns how many were scripted.
 */
function scriptComplaints(sim: Simulator, audience: readonly Recipient[]): number {
  let n = 0;
  audience.forEach((r, i) => {
    if (i % 661 !== 330) return;
    sim.recipients.set(r.address, { kind: 'complaint' });
    n += 1;
  });
  return n;
}

/**
 * Deferrals at one mailbox provider: a burst of Gmail 421 4.7.28 early in the run (the first Gmail
 * addresses, 3% of the list, are deferred twice), so the Google profile is seen to slow down and, once the
 * burst is over, to recover.
 */
function scriptDeferrals(sim: Simulator, audience: readonly Recipient[]): void {
  let n = 0;
  for (const r of audience) {
    if (domainOf(r.address) === 'gmail.com' && n++ < Math.ceil(audience.length * 0.03))
      sim.recipients.set(r.address, { kind: 'defer', failures: 2 });
  }
}

function count<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
