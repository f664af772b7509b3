import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import {
  createRelay,
  createThrottle,
  serveWebhooks,
  type CampaignOptions,
  type CampaignReport,
  type Provider,
  type RelayError,
} from '@relaykit/core';
import { domainOf, parseAddress } from '@relaykit/core/adapter';
import { startSimulator } from '@relaykit/simulator';
import { hostPort } from '../commands/args.ts';
import { listenOn } from '../commands/events.ts';
import { InputError, line, readAll, type CliIo } from '../commands/io.ts';
import { providerFromEnv } from '../commands/providers.ts';
import { openStore } from '../commands/store.ts';
import { renderHtmlReport } from '../demo/html.ts';
import { postmarkHook, simulatedProviders } from '../demo/simulated.ts';
import { createStats } from '../demo/stats.ts';
import { watchRelay } from '../demo/watch.ts';
import type { CampaignArgs } from './args.ts';
import { createProgressLine } from './progress.ts';
import { asCampaignRecipients, readRecipientsCsv, type RecipientList } from './recipients.ts';
import { describeReport } from './summary.ts';
import { simulatorTemplates } from './templates.ts';

/** Exit codes of `relaykit campaign run` (1 and 64 are the CLI's own: failed, usage). */
export const campaignExitCodes = {
  completed: 0,
  /** The canary breached a threshold: the rest of the list was not sent. */
  stopped: 2,
  /** Cancelled: interrupted (Ctrl-C, SIGTERM; 128 + SIGINT, as shells report it), now or in an earlier run. */
  cancelled: 130,
} as const;

const simulatorFrom = 'Relaykit Demo <hello@news.relaykit-demo.test>';

/** Reads the list: a file, or stdin for `-`; a file that cannot be read is an InputError. */
export async function loadRecipients(path: string, io: CliIo): Promise<RecipientList> {
  let text: string;
  try {
    text = path === '-' ? await readAll(io.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES' || code === 'EPERM'
            ? 'no permission to read it'
            : code;
    throw new InputError(
      `campaign run: cannot read --csv ${JSON.stringify(path.slice(0, 200))} (${why}); give the path of a CSV file with a header line and an email column, or - for stdin`,
      { cause: error },
    );
  }
  return readRecipientsCsv(text);
}

/** The campaign id when --id is not given: the list's file name and the template. */
export function defaultCampaignId(csv: string, template: string): string {
  const stem = csv === '-' ? 'stdin' : basename(csv, extname(csv));
  const id = `${stem}-${template}`.replace(/[^A-Za-z0-9_.:-]+/gu, '-').replace(/^-+|-+$/gu, '');
  return (id === '' ? 'campaign' : id).slice(0, 64);
}

interface Setup {
  providers: Provider[];
  /** Where the providers' webhooks reach the relay, once it exists. */
  serve(relay: Parameters<typeof serveWebhooks>[0]): Promise<() => Promise<void>>;
  /** Waits for webhooks still on their way (the simulator knows; a real provider does not say). */
  idle(): Promise<void>;
  throttle: ReturnType<typeof createThrottle>;
  from?: string;
  where: string;
  close(): Promise<void>;
}

/** The embedded simulator: the four adapters against it, its templates, no network. */
async function simulatorSetup(template: string): Promise<Setup> {
  if (!Object.hasOwn(simulatorTemplates, template))
    throw new InputError(
      `campaign run: the simulator has no template ${JSON.stringify(template.slice(0, 80))}; use ${Object.keys(simulatorTemplates).join(', ')}, or give --provider to use your provider's own templates`,
    );
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const sim = await startSimulator({
    seed: 'relaykit-campaign',
    webhooks: { secrets: { postmark: postmarkHook }, snsSignatureVersion: '2' },
  });
  for (const [id, t] of Object.entries(simulatorTemplates)) sim.templates.set(id, t);
  return {
    providers: simulatedProviders(sim),
    async serve(relay) {
      const hooks = await serveWebhooks(relay);
      for (const provider of ['postmark', 'ses', 'mailgun', 'resend'] as const)
        sim.setWebhookUrl(provider, `${hooks.url}/${provider}`);
      return () => hooks.close();
    },
    idle: () => sim.idle(5000).catch(() => undefined),
    // Profiles from the well-known domains only: the simulator run makes no DNS lookups.
    throttle: createThrottle({ mx: { resolver: async () => [] } }),
    from: simulatorFrom,
    where: 'Everything ran on this machine against the relaykit simulator.',
    close: () => sim.stop(),
  };
}

/** Real providers from the environment, their webhooks received on --listen. */
function providerSetup(args: CampaignArgs, io: CliIo): Setup {
  const names = args.providers ?? [];
  const providers = names.map((name) => providerFromEnv(name, io.env, 'both'));
  const { host, port } = hostPort(
    'campaign run',
    '--listen',
    args.listen ?? '127.0.0.1:8787',
    '127.0.0.1',
  );
  return {
    providers,
    async serve(relay) {
      const server = await listenOn(
        relay as Parameters<typeof listenOn>[0],
        host,
        port,
        'campaign run',
      );
      line(io.stderr, `[relaykit] webhooks: point ${names.join(', ')} at ${server.url}/<provider>`);
      return server.close;
    },
    idle: async () => undefined,
    // The default throttle, kept here to name each recipient's mailbox provider in the report.
    throttle: createThrottle(),
    where: `Sent through ${names.join(', ')}.`,
    close: async () => undefined,
  };
}

/** Resolves when the caller's signal aborts or on SIGINT/SIGTERM; `off` removes the handlers. */
function onInterrupt(io: CliIo, stop: () => void): () => void {
  const { signal } = io;
  if (signal) {
    signal.addEventListener('abort', stop, { once: true });
    return () => signal.removeEventListener('abort', stop);
  }
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/**
 * `relaykit campaign run`: reads the list, runs `relay.campaign` with live progress on stderr,
 * writes the HTML report, and resolves with the exit code (0 completed, 2 stopped at the canary,
 * 130 cancelled). Whatever happens, what it started is closed before it returns.
 */
export async function runCampaignCommand(args: CampaignArgs, io: CliIo): Promise<number> {
  const list = await loadRecipients(args.csv, io);
  const id = args.id ?? defaultCampaignId(args.csv, args.template);
  const simulated = args.providers === undefined;
  if (!simulated && args.from === undefined)
    throw new InputError('campaign run: give --from <address> (the sender) with --provider');
  const cleanup: Array<() => unknown> = [];
  try {
    const setup = simulated ? await simulatorSetup(args.template) : providerSetup(args, io);
    cleanup.push(() => setup.close());
    const store = args.store === undefined ? undefined : await openStore(args.store);
    if (store) cleanup.push(() => store.close());
    const relay = createRelay({
      providers: setup.providers,
      ...(store ? { stores: store.set } : {}),
      throttle: setup.throttle,
    });
    cleanup.push(() => relay.close());
    cleanup.push(await setup.serve(relay));

    const stats = createStats(list.recipients.length);
    const profiles = new Map<string, string>();
    const domains = [
      ...new Set(
        list.recipients.map((r) => domainOf(parseAddress(r.address).address.toLowerCase())),
      ),
    ];
    await Promise.all(domains.map(async (d) => profiles.set(d, await setup.throttle.profileOf(d))));
    const where = (address: string, provider?: string) => ({
      provider,
      profile: profiles.get(domainOf(address.toLowerCase())) ?? 'other',
      stream: args.stream ?? 'default',
    });
    watchRelay(relay, stats, { where });
    relay.on('send', (e) => {
      for (const r of e.report?.recipients ?? []) {
        const status =
          r.status === 'sent' ? 'sent' : r.status === 'suppressed' ? 'suppressed' : 'rejected';
        stats.count(status, r.address.toLowerCase(), where(r.address, r.provider));
        if (status === 'sent' && r.provider) stats.tickSend(r.provider);
      }
    });
    relay.on('queue', (e) => {
      if (e.status === 'dead' || e.status === 'expired') stats.count('failed', e.id, {});
    });

    const options: CampaignOptions = {
      id,
      recipients: asCampaignRecipients(list),
      template: {
        from: args.from ?? setup.from ?? simulatorFrom,
        template: { id: args.template, data: {} },
        ...(args.stream === undefined ? {} : { stream: args.stream }),
        ...(args.tags.length === 0 ? {} : { tags: args.tags }),
      },
      canary:
        args.canary === false
          ? false
          : {
              // The simulator answers in milliseconds: no need to wait a minute for late complaints.
              ...(simulated ? { settleMs: 1000, timeoutMs: 60_000 } : {}),
              ...args.canary,
            },
      ...(args.perSecond === undefined && args.window === undefined
        ? {}
        : {
            pace: {
              ...(args.perSecond === undefined ? {} : { perSecond: args.perSecond }),
              ...(args.window === undefined ? {} : { window: args.window }),
            },
          }),
    };
    line(
      io.stderr,
      `[relaykit] campaign ${id}: ${list.recipients.length.toLocaleString('en-US')} recipients, template '${args.template}'${simulated ? ' on the embedded simulator' : ` via ${(args.providers ?? []).join(', ')}`}${store ? `, state in ${store.label}` : ''}`,
    );
    const running = relay.campaign(options);
    // A template the provider does not have fails every message alike: stop at the first.
    // (Registered before any send: the campaign starts sending on a later tick.)
    let templateError: RelayError | undefined;
    const offTemplate = relay.on('send', (e) => {
      if (e.error?.kind !== 'template' || templateError !== undefined) return;
      templateError = e.error;
      running.cancel(`the provider refused the template: ${e.error.message}`);
    });
    const progress = createProgressLine(io.stderr, { live: args.progress });
    const offProgress = running.on((p) => progress.update(p));
    const startedAt = new Date();
    const offInterrupt = onInterrupt(io, () => running.cancel('interrupted (Ctrl-C or SIGTERM)'));
    let report: CampaignReport;
    try {
      report = await running.done;
    } finally {
      offInterrupt();
      offTemplate();
      offProgress();
      // The last counts (for a campaign that had ended, those of its stored report).
      progress.update(running.progress);
      progress.done();
    }
    if (templateError)
      throw new InputError(
        `campaign run: the provider refused template '${args.template}' (${templateError.message.replace(/^\[relaykit\] (\[[^\]]+\] )?/u, '')}); create it in the provider's account, or name one it has`,
      );
    if (report.status !== 'cancelled') await setup.idle();
    stats.sendingEndedAt = new Date(report.finishedAt);
    stats.observedUntil = stats.elapsed();
    stats.finishedAt = new Date();

    const dir =
      args.dir === undefined
        ? await mkdtemp(join(tmpdir(), 'relaykit-campaign-'))
        : resolve(args.dir);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `relaykit-campaign-${id}.html`);
    await writeFile(
      file,
      renderHtmlReport(stats, {
        title: `relaykit campaign ${id}`,
        where: setup.where,
        campaign: report,
      }),
    );
    if (args.json) line(io.stdout, JSON.stringify({ ...report, htmlReport: file }));
    else {
      // Run again after it ended (same id and --store): the stored report, said as such.
      if (new Date(report.finishedAt) < startedAt)
        line(
          io.stdout,
          `Campaign ${id} had ended at ${report.finishedAt}; this is its report. Give a new --id to send the list again.`,
        );
      line(io.stdout, describeReport(report, file, stats.totals));
    }
    return campaignExitCodes[report.status];
  } finally {
    for (const close of cleanup.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
  }
}
