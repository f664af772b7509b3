import { RelayError } from './errors.ts';
import { templateIdFor, type Message } from './message.ts';
import type { Provider } from './provider.ts';

export type RoutingStrategy = 'priority' | 'round-robin' | 'weighted';

export interface RoutingOptions {
  /** priority: in the order given; round-robin: rotate the first choice; weighted: first choice by weight. */
  strategy?: RoutingStrategy;
  /** Weights by provider name, for 'weighted'. Missing names weigh 1. */
  weights?: Record<string, number>;
  /** Consecutive provider-side failures that open a provider's circuit. @default 3 */
  failureThreshold?: number;
  /** How long an open circuit skips its provider. @default 30000 */
  cooldownMs?: number;
}

interface Circuit {
  failures: number;
  openUntil: number;
}

export interface CircuitEvent {
  provider: string;
  state: 'open' | 'closed';
  until?: Date;
  reason: string;
}

export interface Router {
  /** Providers to try for one send, best first; open circuits last (they are tried only if nothing else is left). */
  candidates(names: readonly string[] | undefined, strategy?: RoutingStrategy): Provider[];
  success(provider: string): void;
  failure(provider: string, error: RelayError): void;
  isOpen(provider: string): boolean;
  get(name: string): Provider | undefined;
  readonly providers: readonly Provider[];
}

/** Kinds that open a circuit at once instead of counting toward the threshold. */
const openAtOnce = new Set(['provider-unavailable', 'auth']);

export function createRouter(
  providers: readonly Provider[],
  options: RoutingOptions = {},
  hooks: {
    now?: () => number;
    onCircuit?: (event: CircuitEvent) => void;
    random?: () => number;
  } = {},
): Router {
  const strategy = options.strategy ?? 'priority';
  const threshold = options.failureThreshold ?? 3;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = hooks.now ?? Date.now;
  const random = hooks.random ?? Math.random;
  const byName = new Map(providers.map((p) => [p.name, p]));
  const circuits = new Map<string, Circuit>(
    providers.map((p) => [p.name, { failures: 0, openUntil: 0 }]),
  );
  let turn = 0;
  // At least the number of circuits with an openUntil set (open, or opened and not closed by a
  // success since): while it is 0, no provider is open and `candidates` skips the reordering.
  let tripped = 0;

  const order = (list: Provider[], chosen: RoutingStrategy): Provider[] => {
    if (list.length < 2 || chosen === 'priority') return list;
    let first: number;
    if (chosen === 'round-robin') {
      first = turn++ % list.length;
    } else {
      const weights = list.map((p) => Math.max(0, options.weights?.[p.name] ?? 1));
      const total = weights.reduce((a, b) => a + b, 0);
      let pick = random() * total;
      first = weights.findIndex((w) => (pick -= w) < 0);
      if (first < 0) first = 0;
    }
    return [...list.slice(first), ...list.slice(0, first)];
  };

  const isOpen = (name: string) => (circuits.get(name)?.openUntil ?? 0) > now();

  return {
    providers,
    get: (name) => byName.get(name),
    isOpen,
    candidates(names, override) {
      const list =
        names === undefined
          ? [...providers]
          : names.map((n) => byName.get(n)).filter((p): p is Provider => p !== undefined);
      const ordered = order(list, override ?? strategy);
      if (tripped === 0) return ordered;
      const closed = ordered.filter((p) => !isOpen(p.name));
      const open = ordered
        .filter((p) => isOpen(p.name))
        .sort(
          (a, b) => (circuits.get(a.name)?.openUntil ?? 0) - (circuits.get(b.name)?.openUntil ?? 0),
        );
      return [...closed, ...open];
    },
    success(name) {
      const c = circuits.get(name);
      if (!c) return;
      const wasOpen = c.openUntil > 0;
      c.failures = 0;
      c.openUntil = 0;
      if (wasOpen) {
        tripped -= 1;
        hooks.onCircuit?.({ provider: name, state: 'closed', reason: 'a send succeeded' });
      }
    },
    failure(name, error) {
      const c = circuits.get(name);
      if (!c || !error.providerFault) return;
      c.failures += 1;
      if (openAtOnce.has(error.kind) || c.failures >= threshold) {
        const until = now() + Math.max(cooldownMs, error.retryAfterMs ?? 0);
        const opening = c.openUntil <= now();
        if (c.openUntil === 0) tripped += 1;
        c.openUntil = until;
        if (opening) {
          hooks.onCircuit?.({
            provider: name,
            state: 'open',
            until: new Date(until),
            reason: `${error.kind}: ${error.message}`,
          });
        }
      }
    },
  };
}

/** Checks provider names are unique; two providers of one type need distinct `name`s. */
export function assertUniqueNames(providers: readonly Provider[]): void {
  const seen = new Set<string>();
  for (const p of providers) {
    if (seen.has(p.name)) {
      throw new RelayError({
        kind: 'config',
        message: `two providers are named '${p.name}'; give each a distinct name option`,
      });
    }
    seen.add(p.name);
  }
}

/**
 * The template id `provider` sends `message` with, or undefined when it cannot send it: the
 * provider does not declare `capabilities.templates`, or the template names no id for it (no
 * entry in `template.ids` for its type and no generic `template.id`).
 */
export function templateFor(
  message: Pick<Message, 'template'>,
  provider: Pick<Provider, 'type' | 'capabilities'>,
): string | undefined {
  if (message.template === undefined || provider.capabilities.templates !== true) return undefined;
  return templateIdFor(message, provider.type);
}

/** Whether `provider` can carry `message` as it is: any provider for content, a template id for a template. */
export function canCarry(
  message: Pick<Message, 'template'>,
  provider: Pick<Provider, 'type' | 'capabilities'>,
): boolean {
  return message.template === undefined || templateFor(message, provider) !== undefined;
}

/**
 * The providers, in the order given, that can carry the message; routing skips the rest, so
 * failover moves a templated message only between providers that have an id for it. When there
 * were providers and none of them can, the send is refused: a RelayError of kind 'invalid' on
 * field 'template' naming why each one cannot.
 */
export function carriers<P extends Pick<Provider, 'name' | 'type' | 'capabilities'>>(
  message: Pick<Message, 'template'>,
  providers: readonly P[],
): P[] {
  if (message.template === undefined) return [...providers];
  const fit = providers.filter((p) => canCarry(message, p));
  if (fit.length > 0 || providers.length === 0) return fit;
  const reasons = providers.map((p) =>
    p.capabilities.templates === true
      ? `${p.name} has no id (give template.id, or template.ids.${p.type})`
      : `${p.name} (${p.type}) cannot send provider templates`,
  );
  const named = message.template.id ?? Object.values(message.template.ids).join(', ');
  throw new RelayError({
    kind: 'invalid',
    field: 'template',
    template: named,
    message: `template: no provider of this route can send template ${named}: ${reasons.join('; ')}`,
  });
}

/** What the ledger and the send report record of a templated send through `provider`. */
export function templateRecord(
  message: Pick<Message, 'template'>,
  provider: Pick<Provider, 'type' | 'capabilities'> | undefined,
): { template?: string } {
  const id = provider && templateFor(message, provider);
  return id === undefined ? {} : { template: id };
}
