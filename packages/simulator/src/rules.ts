import { domainOf } from './address.ts';
import type { FailureRule, FaultKind, ProviderName } from './types.ts';

/** A fault a rule decided on, ready for a provider to render. */
export interface Fault {
  readonly kind: FaultKind;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly delayMs?: number;
  readonly message?: string;
  /** The recipient filter of the rule, so batch endpoints can fail only the matching elements. */
  readonly recipient?: string | RegExp;
}

export interface RuleHandle {
  readonly id: string;
  /** How many times the rule fired. */
  hits(): number;
  /** How many requests met the rule's conditions, fired or not (`everyNth` counts these). */
  seen(): number;
  remove(): void;
}

export interface RequestFacts {
  readonly provider: ProviderName;
  readonly operation: 'send' | 'batch' | 'account';
  readonly recipients: readonly string[];
}

export interface RuleEngine {
  add(rule: FailureRule): RuleHandle;
  remove(id: string): void;
  clear(): void;
  list(): readonly (FailureRule & { readonly id: string })[];
  /** The first rule that fires for this request, counting it; later rules are not evaluated. */
  match(facts: RequestFacts): Fault | undefined;
}

const toMs = (t: number | Date | undefined): number | undefined =>
  t instanceof Date ? t.getTime() : t;

export function faultFromStatus(status: number | undefined): FaultKind {
  if (status === undefined) return 'server-error';
  if (status === 401 || status === 403) return 'auth';
  if (status === 400 || status === 422) return 'validation';
  if (status === 429) return 'rate-limit';
  if (status === 503 || status === 502 || status === 504) return 'unavailable';
  return 'server-error';
}

export function recipientMatches(filter: string | RegExp, address: string): boolean {
  if (filter instanceof RegExp) return filter.test(address);
  const f = filter.toLowerCase();
  if (f.startsWith('@')) return domainOf(address) === f.slice(1);
  if (f.includes('@')) return address === f;
  return domainOf(address) === f;
}

interface Entry {
  readonly id: string;
  readonly rule: FailureRule;
  seen: number;
  fired: number;
}

export function createRuleEngine(now: () => number): RuleEngine {
  let entries: Entry[] = [];
  let counter = 0;
  const remove = (id: string): void => {
    entries = entries.filter((e) => e.id !== id);
  };
  return {
    add(rule) {
      const entry: Entry = { id: `rule_${++counter}`, rule, seen: 0, fired: 0 };
      entries.push(entry);
      return {
        id: entry.id,
        hits: () => entry.fired,
        seen: () => entry.seen,
        remove: () => remove(entry.id),
      };
    },
    remove,
    clear() {
      entries = [];
    },
    list: () => entries.map((e) => ({ ...e.rule, id: e.id })),
    match(facts) {
      if (entries.length === 0) return undefined;
      const t = now();
      for (const entry of entries) {
        const r = entry.rule;
        if (r.provider !== undefined) {
          const providers: readonly ProviderName[] =
            typeof r.provider === 'string' ? [r.provider] : r.provider;
          if (!providers.includes(facts.provider)) continue;
        }
        if (r.operation !== undefined && r.operation !== facts.operation) continue;
        const from = toMs(r.from);
        const until = toMs(r.until);
        if (from !== undefined && t < from) continue;
        if (until !== undefined && t >= until) continue;
        const filter = r.recipient;
        if (filter !== undefined && !facts.recipients.some((a) => recipientMatches(filter, a)))
          continue;
        if (r.times !== undefined && entry.fired >= r.times) continue;
        entry.seen++;
        if (r.everyNth !== undefined && entry.seen % r.everyNth !== 0) continue;
        entry.fired++;
        return {
          kind: r.fault ?? faultFromStatus(r.status),
          ...(r.status !== undefined ? { status: r.status } : {}),
          ...(r.retryAfterSeconds !== undefined ? { retryAfterSeconds: r.retryAfterSeconds } : {}),
          ...(r.delayMs !== undefined ? { delayMs: r.delayMs } : {}),
          ...(r.message !== undefined ? { message: r.message } : {}),
          ...(filter !== undefined ? { recipient: filter } : {}),
        };
      }
      return undefined;
    },
  };
}
