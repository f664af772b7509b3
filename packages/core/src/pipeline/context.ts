import { createEmitter, type Emitter } from '../emitter.ts';
import { RelayError } from '../errors.ts';
import { createHealthGuard } from '../health.ts';
import { memoryDedupe } from '../memory/dedupe.ts';
import { memoryLedger } from '../memory/ledger.ts';
import { memoryOutbox } from '../memory/outbox.ts';
import { memoryStateStore } from '../memory/state.ts';
import { memorySuppressionStore } from '../memory/suppression.ts';
import type { Message } from '../message.ts';
import type { EventPolicy, SendGuard, ThrottlePort } from '../ports.ts';
import type { Provider } from '../provider.ts';
import type { QueueOptions } from '../queue.ts';
import type { RecipientResult, RelayEvents, RelayOptions } from '../relay.ts';
import type { RetryOptions } from '../retry.ts';
import { assertUniqueNames, createRouter, type Router } from '../routing.ts';
import type {
  DedupeStore,
  Ledger,
  MessageStateStore,
  Outbox,
  SuppressionStore,
} from '../stores.ts';
import { createStreamPolicy, type StreamPolicy } from '../streams.ts';
import { createTelemetry, type Telemetry } from '../telemetry.ts';
import { createSuppressionPolicy } from '../suppression/policy.ts';
import { createThrottle } from '../throttle/throttle.ts';

const day = 24 * 60 * 60 * 1000;

/** Everything the stages share: the relay's options resolved once, with their defaults. */
export interface Pipeline {
  readonly providers: readonly Provider[];
  readonly emitter: Emitter<RelayEvents>;
  readonly router: Router;
  readonly streams: StreamPolicy;
  readonly ledger: Ledger;
  readonly state: MessageStateStore;
  readonly dedupe: DedupeStore;
  /** Absent when suppression is off. */
  readonly suppression: { store: SuppressionStore; mode: 'drop' | 'refuse' } | undefined;
  readonly policy: EventPolicy | undefined;
  readonly throttle: ThrottlePort | undefined;
  readonly guard: SendGuard | undefined;
  readonly outbox: Outbox;
  /** Set when the caller gave an outbox (or a store set with one): sends may be held there. */
  readonly holds: boolean;
  readonly queue: QueueOptions;
  readonly retry: RetryOptions;
  /** The smallest maxMessageBytes of the providers: the size every message is checked against. */
  readonly maxBytes: number;
  readonly concurrency: number;
  readonly eventTtlMs: number;
  readonly now: () => number;
  /** OpenTelemetry spans and metrics; every hook a plain call when it is off. */
  readonly telemetry: Telemetry;
}

/**
 * A message on its way: its stream's route and From domain, what is left to send, and what has
 * become of each recipient so far (suppressed, rejected, sent).
 */
export interface Draft {
  message: Message;
  route: ReturnType<StreamPolicy['resolve']>;
  fromDomain: string;
  results: RecipientResult[];
}

/** Resolves the relay's options into the pipeline: stores, policy, throttle, guard, router. */
export function createPipeline(options: RelayOptions): Pipeline {
  if (options.providers.length === 0) {
    throw new RelayError({ kind: 'config', message: 'createRelay needs at least one provider' });
  }
  assertUniqueNames(options.providers);
  const emitter = createEmitter<RelayEvents>();
  const router = createRouter(options.providers, options.routing, {
    onCircuit: (e) => emitter.emit('circuit', e),
  });
  const streams = createStreamPolicy(options.streams, {
    ...(options.defaultStream === undefined ? {} : { defaultStream: options.defaultStream }),
    providerNames: options.providers.map((p) => p.name),
  });
  const set = options.stores ?? {};
  const suppressionOptions =
    options.suppression === false ? undefined : (options.suppression ?? {});
  const suppressionStore =
    suppressionOptions && (suppressionOptions.store ?? set.suppression ?? memorySuppressionStore());
  const strikes = suppressionOptions?.strikes ?? set.strikes;
  const policy =
    suppressionOptions &&
    (suppressionOptions.policy ??
      createSuppressionPolicy({
        store: suppressionStore as SuppressionStore,
        ...(strikes ? { strikes } : {}),
        onAlert: (alert) => emitter.emit('alert', alert),
      }));
  // On by default: per mailbox-provider profiles and provider accounts, adaptive to deferrals.
  const throttle =
    options.throttle === false
      ? undefined
      : (options.throttle ?? createThrottle(set.rate ? { store: set.rate } : {}));
  throttle?.attach?.({
    providers: options.providers,
    emit: (event) => emitter.emit('throttle', event),
  });
  const guard =
    options.guard === false
      ? undefined
      : (options.guard ?? createHealthGuard({ onAlert: (alert) => emitter.emit('alert', alert) }));
  guard?.attach?.({ providers: options.providers });
  const outbox = options.outbox ?? set.outbox ?? memoryOutbox();
  return {
    providers: options.providers,
    emitter,
    router,
    streams,
    ledger: options.ledger ?? set.ledger ?? memoryLedger(),
    state: options.state ?? set.state ?? memoryStateStore(),
    dedupe: options.dedupe ?? set.dedupe ?? memoryDedupe(),
    suppression: suppressionStore && {
      store: suppressionStore,
      mode: suppressionOptions?.mode ?? 'drop',
    },
    policy,
    throttle,
    guard,
    outbox,
    holds: options.outbox !== undefined,
    queue: options.queue ?? {},
    retry: options.retry ?? {},
    maxBytes: Math.min(...options.providers.map((p) => p.capabilities.maxMessageBytes)),
    concurrency: options.concurrency ?? 16,
    eventTtlMs: options.eventDedupeTtlMs ?? 7 * day,
    now: options.now ?? Date.now,
    telemetry: createTelemetry(options.telemetry, emitter, outbox),
  };
}
