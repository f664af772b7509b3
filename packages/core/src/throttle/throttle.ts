import { domainOf } from '../address.ts';
import { RelayError } from '../errors.ts';
import { BoundedMap } from '../memory/bounded.ts';
import { sleep } from '../sleep.ts';
import type { ThrottleContext, ThrottleOutcome, ThrottlePort } from '../ports.ts';
import type { Provider } from '../provider.ts';
import type { RateGrant, RateStore } from '../stores.ts';
import {
  configure,
  createBudget,
  defaultSlowDownRules,
  observe,
  relax,
  slowDown,
  slowDownRule,
  type AdaptiveOptions,
  type Budget,
  type SlowDownAction,
} from './adaptive.ts';
import { debtAfter, waitFor } from './bucket.ts';
import type { ThrottleEvent } from './events.ts';
import type { Limiter } from './limiter.ts';
import { createMxRollup, type MxRollup, type MxRollupOptions } from './mx.ts';
import {
  defaultProfileLimits,
  type AccountLimitsOptions,
  type AccountUnit,
  type ProfileLimits,
  type ProfileName,
} from './profiles.ts';

export interface ProfileOptions extends Partial<ProfileLimits> {
  /** Gate this profile through a limiter of your own (e.g. bottleneckLimiter) instead of the store. */
  limiter?: Limiter;
}

export interface AccountOptions extends Partial<AccountLimitsOptions> {
  limiter?: Limiter;
}

export interface ThrottleOptions {
  /**
   * Per profile: google, microsoft, yahoo, apple, and other (each other domain on its own), plus
   * any provider named in `mx.mxSuffixes`.
   */
  profiles?: Partial<Record<ProfileName, ProfileOptions>> & Record<string, ProfileOptions>;
  /** Per provider account, by provider name (or type). Overrides what the provider reports. */
  accounts?: Record<string, AccountOptions>;
  /** MX rollup options, or a rollup of your own. */
  mx?: MxRollupOptions | MxRollup;
  /** How long a send waits for its domain's first MX lookup before going on the domain's own profile. @default 50 */
  lookupBudgetMs?: number;
  /** How long the first send through a provider waits for its reported account limits. @default 1000 */
  accountLookupBudgetMs?: number;
  /**
   * Where the token buckets live: give a shared store (Redis, SQLite) so limits hold across
   * processes. @default each budget holds its own bucket, in this process
   */
  store?: RateStore;
  /** Gate every budget through this limiter instead of the store. */
  limiter?: Limiter;
  /** Adaptive control; false keeps the configured rates fixed. */
  adaptive?: AdaptiveOptions | false;
  /** Prefix of the store keys, so several relays can share one store. @default 'relaykit:rate:' */
  keyPrefix?: string;
  /** Budgets kept in memory (per-domain ones come and go): at least this many, the newest, an eighth more at most (memory/bounded.ts). @default 50000 */
  maxBudgets?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Every change of pace; the relay also emits it as 'throttle'. */
  onEvent?: (event: ThrottleEvent) => void;
}

export interface BudgetSnapshot {
  scope: 'profile' | 'account';
  key: string;
  configured: number;
  rate: number;
  burst: number;
  pausedUntil?: number;
}

export interface Throttle extends ThrottlePort {
  attach(context: ThrottleContext): void;
  /** The profile key a domain's sends count against: 'google', ... or the domain itself. */
  profileOf(domain: string): Promise<string>;
  /** The budgets in force (those created so far). */
  budgets(): BudgetSnapshot[];
}

const resolved = Promise.resolve();

const defaultSleep = sleep;

interface Need {
  budget: Budget;
  cost: number;
  limiter: Limiter | undefined;
}

/** What `settle` needs to finish admitting a send once the rate store has answered. */
interface Admission {
  /** The rate store's answer for the capped budgets. */
  grant: RateGrant;
  /** Every budget the send counts against. */
  needs: readonly Need[];
  /** The budgets with a static rate, asked of the rate store (none: nothing was asked). */
  capped?: readonly Need[] | undefined;
  /** When the send asked, on the throttle's clock. */
  t: number;
  /** When it may start: `t`, or the end of a pause. */
  start: number;
  /** The budgets with a custom limiter, acquired after the wait. */
  custom?: Need[] | undefined;
  /** The wall-clock deadline of the send. */
  deadline: number;
  signal: AbortSignal | undefined;
}

interface Account {
  budget: Budget;
  unit: AccountUnit;
  limiter: Limiter | undefined;
  /** Pending while the provider's reported limits are fetched. */
  seeding: Promise<void> | undefined;
}

/**
 * The in-process throttle, and the relay's default: every recipient domain's profile (by MX
 * rollup) and the provider's account are token buckets; a send waits for all of them, within its
 * deadline. Deferrals that mean "slow down" and 429s tighten a budget; quiet success relaxes it.
 */
export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const now = options.now ?? Date.now;
  const wallClock = now === Date.now;
  const sleep = options.sleep ?? defaultSleep;
  // Without a store of the user's, the buckets live on the budgets (see takeLocal).
  const store = options.store;
  const prefix = options.keyPrefix ?? 'relaykit:rate:';
  const rollup: MxRollup =
    options.mx && 'peek' in options.mx
      ? options.mx
      : createMxRollup({ ...(options.mx ?? {}), now });
  const lookupBudget = options.lookupBudgetMs ?? 50;
  const accountBudget = options.accountLookupBudgetMs ?? 1000;
  const maxBudgets = options.maxBudgets ?? 50_000;
  const adaptive = options.adaptive === false ? undefined : (options.adaptive ?? {});
  const tuning = {
    decrease: adaptive?.decrease ?? 0.5,
    cutIntervalMs: adaptive?.cutIntervalMs ?? 5000,
    quietMs: adaptive?.quietMs ?? 30_000,
    increaseIntervalMs: adaptive?.increaseIntervalMs ?? 5000,
    increaseStep: adaptive?.increaseStep ?? 0.1,
  };
  const rules = adaptive?.rules ?? defaultSlowDownRules;
  // Budgets by profile or domain, bounded (memory/bounded.ts): a list with many small domains
  // cannot grow it without end.
  const sites = new BoundedMap<string, Budget>({ maxEntries: maxBudgets });
  sites.onEvict = (_key, budget) => {
    reduced.delete(budget);
    refs.clear();
  };
  // The budgets running below their configured rate: the only ones success can relax, so while
  // there are none a send's report costs nothing.
  const reduced = new Set<Budget>();
  const accounts = new Map<string, Account>();
  const providers = new Map<string, Provider>();
  const listeners: Array<(event: ThrottleEvent) => void> = [];
  if (options.onEvent) listeners.push(options.onEvent);

  const emit = (event: ThrottleEvent | undefined) => {
    if (event === undefined) return;
    for (const listener of listeners) listener(event);
  };

  const profileLimits = (name: string): ProfileOptions => ({
    ...(defaultProfileLimits[name as ProfileName] ??
      (options.profiles?.[name] ? { rate: Number.POSITIVE_INFINITY } : defaultProfileLimits.other)),
    ...options.profiles?.[name],
  });

  /** The budget of a domain: its provider's, or its own ('other'). */
  const siteOf = (domain: string, provider: string | null): Budget => {
    const key = provider ?? domain;
    let site = sites.get(key);
    if (site !== undefined) return site;
    const profile = provider ?? 'other';
    const limits = profileLimits(profile);
    site = createBudget({
      scope: 'profile',
      key,
      profile,
      storeKey: `${prefix}p:${key}`,
      rate: limits.rate ?? Number.POSITIVE_INFINITY,
      ...(limits.burst === undefined ? {} : { burst: limits.burst }),
      ...(limits.floor === undefined ? {} : { floor: limits.floor }),
    });
    sites.add(key, site);
    return site;
  };

  const limiters =
    options.limiter !== undefined ||
    Object.values(options.profiles ?? {}).some((p) => p?.limiter !== undefined) ||
    Object.values(options.accounts ?? {}).some((a) => a?.limiter !== undefined);

  const limiterOf = (budget: Budget): Limiter | undefined =>
    budget.scope === 'profile'
      ? (options.profiles?.[budget.profile ?? 'other']?.limiter ?? options.limiter)
      : undefined;

  const accountOf = (name: string): Account => {
    let account = accounts.get(name);
    if (account !== undefined) return account;
    const provider = providers.get(name);
    const type = provider?.type ?? name;
    const set = options.accounts?.[name] ?? options.accounts?.[type];
    // The provider declares what its account rate counts and where it starts (capabilities).
    const declared = provider?.capabilities.accountRate;
    const limits = {
      rate: declared?.rate ?? Number.POSITIVE_INFINITY,
      ...(declared?.burst === undefined ? {} : { burst: declared.burst }),
      ...set,
    };
    const budget = createBudget({
      scope: 'account',
      key: name,
      provider: name,
      storeKey: `${prefix}a:${name}`,
      rate: limits.rate,
      ...(limits.burst === undefined ? {} : { burst: limits.burst }),
      ...(limits.floor === undefined ? {} : { floor: limits.floor }),
    });
    account = {
      budget,
      unit: limits.unit ?? provider?.capabilities.rateUnit ?? 'requests',
      limiter: set?.limiter ?? options.limiter,
      seeding: undefined,
    };
    if (set?.rate === undefined && provider?.accountLimits)
      account.seeding = seed(account, provider);
    accounts.set(name, account);
    return account;
  };

  // The provider's own figure (SES GetAccount MaxSendRate) beats a default, never a user's setting.
  const seed = (account: Account, provider: Provider): Promise<void> =>
    (provider.accountLimits?.(AbortSignal.timeout(10_000)) ?? Promise.resolve(undefined))
      .then((limits) => {
        const rate = limits?.maxSendRate;
        if (rate !== undefined && rate > 0) {
          const from = account.budget.rate;
          configure(account.budget, rate, Math.max(1, rate));
          reduced.delete(account.budget);
          emit({
            type: 'seed',
            scope: 'account',
            key: provider.name,
            provider: provider.name,
            from,
            to: rate,
            reason: `${provider.name} reports a maximum send rate of ${rate}/s`,
            at: now(),
          });
        }
      })
      .catch(() => undefined)
      .finally(() => {
        account.seeding = undefined;
      });

  const rateLimited = (retryAfterMs: number, why: string) =>
    new RelayError({
      kind: 'rate-limited',
      retryAfterMs: Math.max(1, Math.ceil(retryAfterMs)),
      message: `throttled: ${why}; the send would have to wait ${Math.ceil(retryAfterMs)} ms, past its deadline. Queue it (relay.enqueue) or raise the limit`,
    });

  // Recipient domains repeat endlessly: each one's budget is remembered, and asked of the rollup
  // again after a second (so a refreshed MX answer takes effect) or after an eviction.
  const refs = new Map<string, Budget>();
  let refsSince = Number.NEGATIVE_INFINITY;

  const refOf = (domain: string, fallback: boolean): Budget | undefined => {
    const known = refs.get(domain);
    if (known !== undefined) return known;
    const rolled = rollup.peek(domain);
    if (rolled === undefined && !fallback) return undefined;
    const budget = siteOf(domain, rolled ?? null);
    // A fallback (the domain on its own while its MX is looked up) is not remembered.
    if (rolled !== undefined) refs.set(domain, budget);
    return budget;
  };

  const tokenless = (budgets: readonly Budget[], waitMs: number) =>
    rateLimited(
      waitMs,
      `no token within the deadline for ${budgets.map((b) => b.storeKey.slice(prefix.length)).join(', ')}`,
    );

  /**
   * GCRA on the budgets themselves, for the in-process default: the same arithmetic as
   * memoryRateStore, with each bucket's one number kept on its budget instead of in a map keyed
   * by name (a send touches its budget anyway; a map lookup more was a tenth of the throttle's
   * cost). A budget evicted past maxBudgets starts again full.
   */
  const takeLocal = (capped: readonly Need[], at: number, maxWaitMs: number): RateGrant => {
    let wait = 0;
    for (const { budget, cost } of capped) {
      if (!(budget.rate > 0)) return { granted: false, waitMs: Number.POSITIVE_INFINITY };
      const after = debtAfter(budget.tat, at, cost, budget.rate);
      const w = waitFor(after, at, budget.effectiveBurst, budget.rate);
      if (w > wait) wait = w;
    }
    if (wait > maxWaitMs) return { granted: false, waitMs: Math.ceil(wait) };
    for (const { budget, cost } of capped)
      budget.tat = debtAfter(budget.tat, at, cost, budget.rate);
    return wait <= 0 ? immediate : { granted: true, waitMs: Math.ceil(wait) };
  };

  const take = (
    capped: readonly Need[],
    at: number,
    maxWaitMs: number,
  ): RateGrant | Promise<RateGrant> =>
    store === undefined
      ? takeLocal(capped, at, maxWaitMs)
      : store.take(
          capped.map((n) => ({
            key: n.budget.storeKey,
            cost: n.cost,
            ratePerSec: n.budget.rate,
            burst: n.budget.effectiveBurst,
          })),
          at,
          maxWaitMs,
        );

  /**
   * The common send, admitted without building its needs: one recipient, no limiter configured,
   * no pause. The buckets on the budgets (no store given) take the domain's token and the
   * provider account's here, with takeLocal's arithmetic; through a store, only a send whose
   * account has no cap (Gmail, Microsoft, Yahoo and Apple profiles have none by default; other
   * domains 100/s each) takes this way. Undefined sends the message the general way; the
   * throttle tests run every case both with and without a store, so both ways answer alike.
   */
  const quick = (
    domain: string,
    account: Account,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> | undefined => {
    if (limiters) return undefined;
    const t = now();
    if (t - refsSince >= 1000) return undefined;
    const site = refs.get(domain);
    if (site === undefined) return undefined;
    const budget = account.budget;
    if (site.pausedUntil !== 0 || budget.pausedUntil !== 0) return undefined;
    const siteCapped = site.rate !== Number.POSITIVE_INFINITY;
    const accountCapped = budget.rate !== Number.POSITIVE_INFINITY;
    if (!siteCapped && !accountCapped) {
      observe(site, t, 1);
      observe(budget, t, 1);
      return resolved;
    }
    // With the system clock, `t` is the wall-clock time too: no second reading.
    const left = deadline - (wallClock ? t : Date.now());
    if (store === undefined) {
      // A rate of 0 (or less) is refused the general way, which words it.
      if ((siteCapped && !(site.rate > 0)) || (accountCapped && !(budget.rate > 0)))
        return undefined;
      let wait = 0;
      const siteAfter = siteCapped ? debtAfter(site.tat, t, 1, site.rate) : 0;
      if (siteCapped) wait = waitFor(siteAfter, t, site.effectiveBurst, site.rate);
      const accountAfter = accountCapped ? debtAfter(budget.tat, t, 1, budget.rate) : 0;
      if (accountCapped) {
        const w = waitFor(accountAfter, t, budget.effectiveBurst, budget.rate);
        if (w > wait) wait = w;
      }
      if (wait > left) {
        const capped = siteCapped ? (accountCapped ? [site, budget] : [site]) : [budget];
        return Promise.reject(tokenless(capped, Math.ceil(wait)));
      }
      if (siteCapped) site.tat = siteAfter;
      if (accountCapped) budget.tat = accountAfter;
      observe(site, t, 1);
      observe(budget, t, 1);
      return wait > 0 ? sleep(Math.ceil(wait), signal) : resolved;
    }
    if (accountCapped) return undefined;
    const capped = [{ budget: site, cost: 1, limiter: undefined }];
    const grant = take(capped, t, left);
    return grant instanceof Promise
      ? grant.then((g) =>
          settle({ grant: g, needs: capped, capped, t, start: t, deadline, signal }),
        )
      : settle({ grant, needs: capped, capped, t, start: t, deadline, signal });
  };

  /** The budgets a send needs, or undefined when a domain's rollup is not known yet. */
  const needsOf = (
    provider: string,
    domains: readonly string[],
    fallback: boolean,
  ): Need[] | undefined => {
    const t = now();
    if (t - refsSince >= 1000 || refs.size > maxBudgets) {
      refs.clear();
      refsSince = t;
    }
    const needs: Need[] = [];
    for (const domain of domains) {
      const site = refOf(domain, fallback);
      if (site === undefined) return undefined;
      let found = false;
      for (const need of needs) {
        if (need.budget === site) {
          need.cost += 1;
          found = true;
          break;
        }
      }
      if (!found) needs.push({ budget: site, cost: 1, limiter: limiterOf(site) });
    }
    const account = accountOf(provider);
    needs.push({
      budget: account.budget,
      cost: account.unit === 'recipients' ? domains.length : 1,
      limiter: account.limiter,
    });
    return needs;
  };

  const gate = (
    needs: Need[],
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const t = now();
    // The deadline is wall-clock (the relay's retry budget); the buckets run on `now`, which tests
    // inject: compare time left, not instants.
    const left = deadline - (wallClock ? t : Date.now());
    let start = t;
    let capped: Need[] | undefined;
    let custom: Need[] | undefined;
    for (const need of needs) {
      const b = need.budget;
      if (b.pausedUntil > start) start = b.pausedUntil;
      else if (b.pausedUntil !== 0 && b.pausedUntil <= t) {
        b.pausedUntil = 0;
        emit({
          type: 'resume',
          scope: b.scope,
          key: b.key,
          from: 0,
          to: b.rate,
          reason: 'pause over: sending resumes at the reduced rate',
          at: t,
        });
      }
      if (need.limiter !== undefined) (custom ??= []).push(need);
      else if (b.rate < Number.POSITIVE_INFINITY) (capped ??= []).push(need);
    }
    if (start - t > left) return Promise.reject(pausedError(needs, start, t));
    if (capped === undefined)
      return settle({ grant: immediate, needs, t, start, custom, deadline, signal });
    const grant = take(capped, start, left - (start - t));
    if (grant instanceof Promise)
      return grant.then((g) =>
        settle({ grant: g, needs, capped, t, start, custom, deadline, signal }),
      );
    return settle({ grant, needs, capped, t, start, custom, deadline, signal });
  };

  // Kept out of `gate` so an admitted send creates no closure (and no promise but the shared one):
  // one plain object carries its arguments.
  function settle(admission: Admission): Promise<void> {
    const { grant, needs, capped, t, start, custom, deadline, signal } = admission;
    if (!grant.granted)
      return Promise.reject(
        tokenless(
          (capped ?? []).map((n) => n.budget),
          start - t + grant.waitMs,
        ),
      );
    for (const need of needs) observe(need.budget, t, need.cost);
    const wait = start - t + grant.waitMs;
    if (custom === undefined) return wait > 0 ? sleep(wait, signal) : resolved;
    const through = () =>
      custom.reduce<Promise<void>>(
        (p, need) =>
          p.then(() =>
            (need.limiter as Limiter).acquire({
              key: need.budget.storeKey,
              cost: need.cost,
              ratePerSec: need.budget.rate,
              deadline,
              ...(signal ? { signal } : {}),
            }),
          ),
        resolved,
      );
    return wait > 0 ? sleep(wait, signal).then(through) : through();
  }

  function pausedError(needs: Need[], start: number, t: number): RelayError {
    const paused = needs.find((n) => n.budget.pausedUntil === start)?.budget as Budget;
    return rateLimited(
      start - t,
      `${paused.scope} ${paused.key} is paused until ${new Date(start).toISOString()}`,
    );
  }

  // Lookup budgets are wall-clock timers (not the injectable sleep): they bound real I/O.
  const withinBudget = (promise: Promise<unknown>, ms: number): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };

  const acquire: ThrottlePort['acquire'] = (request) => {
    const { provider, deadline, signal } = request;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const account = accounts.get(provider);
    if (account === undefined || account.seeding !== undefined) {
      const seeding = accountOf(provider).seeding;
      if (seeding !== undefined)
        return withinBudget(seeding, accountBudget).then(() => acquire(request));
    }
    const domains =
      request.domains?.length === request.recipients.length
        ? request.domains
        : request.recipients.map(domainOf);
    if (domains.length === 1 && account !== undefined) {
      const admitted = quick(domains[0] as string, account, deadline, signal);
      if (admitted !== undefined) return admitted;
    }
    const needs = needsOf(provider, domains, false);
    if (needs !== undefined) return gate(needs, deadline, signal);
    // First send to a domain: wait a little for its MX, then go on whatever is known.
    const lookups = domains.map((d) => rollup.resolve(d));
    return withinBudget(Promise.all(lookups), lookupBudget).then(() =>
      gate(needsOf(provider, domains, true) as Need[], deadline, signal),
    );
  };

  const tighten = (budget: Budget, action: SlowDownAction, reason: string) => {
    if (adaptive === undefined) return;
    emit(slowDown(budget, { action, reason, now: now(), options: tuning }));
    if (budget.rate !== budget.configured) reduced.add(budget);
  };

  const loosen = (budget: Budget | undefined) => {
    if (adaptive === undefined || budget === undefined || budget.rate === budget.configured) return;
    emit(relax(budget, now(), tuning));
    if (budget.rate === budget.configured) reduced.delete(budget);
  };

  const siteOfRecipient = (recipient: string, then: (site: Budget) => void) => {
    const domain = domainOf(recipient);
    const rolled = rollup.peek(domain);
    if (rolled !== undefined) then(siteOf(domain, rolled));
    else void rollup.resolve(domain).then((p) => then(siteOf(domain, p)));
  };

  const report = (outcome: ThrottleOutcome): void => {
    if (outcome.type === 'sent') {
      if (reduced.size === 0) return;
      for (const recipient of outcome.recipients) {
        const rolled = rollup.peek(domainOf(recipient));
        if (rolled !== undefined) loosen(sites.get(rolled ?? domainOf(recipient)));
      }
      loosen(accounts.get(outcome.provider)?.budget);
      return;
    }
    if (outcome.type === 'error') {
      if (outcome.error.kind !== 'rate-limited') return;
      const budget = accountOf(outcome.provider).budget;
      const after = outcome.error.retryAfterMs;
      const action: SlowDownAction =
        after !== undefined && after > 0 ? { type: 'pause', ms: after } : { type: 'decrease' };
      tighten(
        budget,
        action,
        `${outcome.provider} answered 429 (rate limited)${after ? `, retry after ${after} ms` : ''}`,
      );
      return;
    }
    const event = outcome.event;
    if (event.type === 'delivered') {
      if (reduced.size === 0) return;
      const rolled = rollup.peek(domainOf(event.recipient));
      if (rolled !== undefined) loosen(sites.get(rolled ?? domainOf(event.recipient)));
      return;
    }
    if (event.type !== 'deferred' || adaptive === undefined) return;
    siteOfRecipient(event.recipient, (site) => {
      const rule = slowDownRule(event, site.profile ?? 'other', rules);
      if (rule)
        tighten(
          site,
          rule.action,
          `${rule.reason} (${[event.bounce?.enhancedStatus, event.bounce?.diagnostic].filter(Boolean).join(' ')})`,
        );
    });
  };

  return {
    acquire,
    report,
    attach(context) {
      for (const provider of context.providers) providers.set(provider.name, provider);
      listeners.push(context.emit);
    },
    async profileOf(domain) {
      const d = domain.toLowerCase();
      return (await rollup.resolve(d)) ?? d;
    },
    budgets() {
      const list = [...sites.values(), ...[...accounts.values()].map((a) => a.budget)];
      return list.map((b) => ({
        scope: b.scope,
        key: b.key,
        configured: b.configured,
        rate: b.rate,
        burst: b.effectiveBurst,
        ...(b.pausedUntil > now() ? { pausedUntil: b.pausedUntil } : {}),
      }));
    },
  };
}

const immediate: RateGrant = { granted: true, waitMs: 0 };
