import { runCampaign } from './campaign/run.ts';
import type { CampaignHandle, CampaignOptions } from './campaign/types.ts';
import { RelayError } from './errors.ts';
import type { DeliveryEvent } from './events.ts';
import type { MessageInput } from './message.ts';
import { memoryCampaignStore } from './memory/campaigns.ts';
import type { Pipeline } from './pipeline/context.ts';
import { status } from './pipeline/record.ts';
import { sendQueued } from './pipeline/send.ts';
import type { Provider } from './provider.ts';
import { createQueueRunner, type QueueRunner } from './queue.ts';
import type { EnqueueOptions, Relay, RelayOptions } from './relay.ts';
import type { Outbox } from './stores.ts';
import { wellKnownDomains } from './throttle/profiles.ts';
import { createWebhookHandler, observeWebhooks, type RelayWebhooks } from './webhooks.ts';

// The stages createRelay wires around the pipeline: the queue workers, campaigns, webhook
// intake, the stores it shows, and closing.

type Ingest = (events: readonly DeliveryEvent[]) => Promise<DeliveryEvent[]>;
type EnqueueMany = (inputs: readonly MessageInput[], options?: EnqueueOptions) => Promise<string[]>;

/** The outbox workers: each claimed message goes through the pipeline's queued send. */
export function queueRunner(ctx: Pipeline): QueueRunner {
  return createQueueRunner({
    outbox: ctx.outbox,
    options: ctx.queue,
    send: (message, enqueuedBy) => sendQueued(ctx, message, enqueuedBy),
    onEvent: (event) => ctx.emitter.emit('queue', event),
    now: ctx.now,
  });
}

/** `relay.campaign`: campaigns enqueue through the relay and keep their progress in the store. */
export function campaignStarter(
  ctx: Pipeline,
  options: RelayOptions,
  enqueueMany: EnqueueMany,
  runner: QueueRunner,
): (campaignOptions: CampaignOptions) => CampaignHandle {
  const given = options.campaigns ?? options.stores?.campaigns;
  const store = given ?? memoryCampaignStore();
  // A resume knows what was sent from the outbox: one that dies with the process would let a
  // stored campaign skip (or, guessing, resend) what it had released.
  const inProcessOutbox = options.outbox === undefined && options.stores?.outbox === undefined;
  return (campaignOptions) => {
    if (given && inProcessOutbox)
      throw new RelayError({
        kind: 'config',
        provider: 'campaign',
        message:
          'campaign(): the campaign store given to createRelay outlives this process but the in-process outbox does not, so a resumed campaign could not tell what was sent; give the outbox of the same backend (createRelay({ stores: sqliteStores(...) }) gives both)',
      });
    return runCampaign(
      {
        enqueueMany,
        on: (name, listener) => ctx.emitter.on(name, listener),
        status: (messageId) => status(ctx, messageId),
        outbox: ctx.outbox,
        ledger: ctx.ledger,
        guard: ctx.guard,
        store,
        startWorkers: () => runner.start(),
        profileOf: (domain) => campaignProfile(ctx, domain),
        now: ctx.now,
      },
      campaignOptions,
    );
  };
}

/**
 * The mailbox-provider profile a campaign reports for a recipient domain: a provider the
 * throttle rolls the domain up to (google, microsoft, yahoo, apple, or one named in its
 * `mx.mxSuffixes`), else 'other'. The throttle keys every other domain by the domain itself, for
 * its own budget; a campaign report names profiles, never domains, there.
 */
async function campaignProfile(ctx: Pipeline, domain: string): Promise<string> {
  const d = domain.toLowerCase();
  const rolled = await ctx.throttle?.profileOf?.(d);
  if (rolled !== undefined && rolled !== d) return rolled;
  return (wellKnownDomains as Record<string, string>)[d] ?? 'other';
}

/** `relay.webhooks`: the providers' webhooks, feeding the relay's intake, traced. */
export function webhookIntake(ctx: Pipeline, options: RelayOptions, ingest: Ingest): RelayWebhooks {
  const { emitter } = ctx;
  return observeWebhooks(
    ctx.telemetry,
    createWebhookHandler({
      providers: ctx.providers,
      ingest: (events) => {
        // Built only for a span that records: most processes run without an SDK.
        const span = ctx.telemetry.active();
        if (span.recording)
          span.set({
            'relaykit.event.types': [...new Set(events.map((e) => e.type))],
            'relaykit.event.count': events.length,
          });
        return ingest(events);
      },
      dedupe: ctx.dedupe,
      maxBytes: options.maxWebhookBytes ?? 1024 * 1024,
      fetch: options.fetch ?? fetch,
      onError: (message, error) => emitter.emit('error', { message, error }),
      onAlert: (alert) => emitter.emit('alert', { ...alert }),
    }),
  );
}

/** `relay.stores`: the stores the pipeline resolved. */
export function storesOf(ctx: Pipeline): Relay['stores'] {
  return {
    ledger: ctx.ledger,
    state: ctx.state,
    dedupe: ctx.dedupe,
    ...(ctx.suppression ? { suppression: ctx.suppression.store } : {}),
  };
}

/** `relay.close`: the workers stop first, then the outbox and the providers close. */
export async function closeRelay(
  runner: QueueRunner,
  outbox: Outbox,
  providers: readonly Provider[],
): Promise<void> {
  await runner.stop();
  await outbox.close?.();
  await Promise.all(providers.map((p) => p.close?.()));
}
