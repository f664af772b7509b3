import type { DeliveryEvent } from '../events.ts';
import type { ThrottleEvent } from './events.ts';

/** What a "slow down" answer asks for. */
export type SlowDownAction =
  /** Multiplicative decrease of the budget's rate, down to its floor. */
  | { type: 'decrease' }
  /** Nothing for `ms`, then resume at the decreased rate and ramp up again. */
  | { type: 'pause'; ms: number }
  /** Hold the budget at `rate` for `ms` before it may relax. */
  | { type: 'clamp'; rate: number; ms: number };

export interface SlowDownRule {
  /** Only for recipients of this profile ('google', 'yahoo', ...); absent: any. */
  profile?: string;
  /** Tested against "<smtpStatus> <enhancedStatus> <diagnostic>" of a deferral. */
  pattern: RegExp;
  action: SlowDownAction;
  reason: string;
}

const minute = 60_000;

/**
 * The deferrals that mean "slow down", first match wins. The texts and reactions follow KumoMTA's
 * Traffic Shaping Automation rules (`assets/policy-extras/shaping.toml` and
 * `assets/community/shaping.toml` in github.com/KumoCorp/kumomta; https://docs.kumomta.com/reference/kumo.shaping/load/)
 * and Gmail's rate-limit advice (https://support.google.com/a/answer/81126).
 * Mailbox-full, greylisting and other deferrals about one recipient are not here: they say
 * nothing about the pace.
 */
export const defaultSlowDownRules: readonly SlowDownRule[] = [
  {
    profile: 'google',
    pattern: /\b4\.7\.28\b|unusual rate/iu,
    action: { type: 'pause', ms: 10 * minute },
    reason:
      'Gmail 4.7.28 (rate limited): Google asks for no mail for at least 10 minutes, then a slow ramp',
  },
  {
    profile: 'yahoo',
    pattern: /\[TS?S04\]/u,
    action: { type: 'pause', ms: 120 * minute },
    reason:
      'Yahoo TSS04 (deferred for volume or complaints): suspended for 2 hours as KumoMTA does',
  },
  {
    profile: 'yahoo',
    pattern: /\[TSS05\]/u,
    action: { type: 'pause', ms: 240 * minute },
    reason: 'Yahoo TSS05: suspended for 4 hours as KumoMTA community shaping does',
  },
  {
    pattern:
      /temporarily rate limited due to IP reputation|Messages from \S+ temporarily deferred|will be permanently deferred/iu,
    action: { type: 'clamp', rate: 1 / 60, ms: 90 * minute },
    reason: 'reputation deferral: one message a minute for 90 minutes (KumoMTA default reflex)',
  },
  {
    pattern: /\b4\.7\.500\b|server busy/iu,
    action: { type: 'decrease' },
    reason: 'Microsoft 4.7.500 server busy: rate decreased',
  },
  {
    pattern: /^4\d\d\b.*(?:\b4\.7\.\d{1,3}\b|rate.?limit|too many|throttl|exceeded)/iu,
    action: { type: 'decrease' },
    reason: 'rate-limiting deferral (4.7.x): rate decreased',
  },
];

const rateLimitCategory: SlowDownRule = {
  pattern: /$^/u,
  action: { type: 'decrease' },
  reason: 'deferral classified as rate limiting: rate decreased',
};

export interface AdaptiveOptions {
  /** Each cut multiplies the rate by this. @default 0.5 */
  decrease?: number;
  /** One burst of deferrals is one signal: cuts of one budget are at least this far apart. @default 5000 */
  cutIntervalMs?: number;
  /** Time without a slow-down signal before success relaxes a budget. @default 30000 */
  quietMs?: number;
  /** Time between two increases. @default 5000 */
  increaseIntervalMs?: number;
  /** Each increase adds this share of the rate it climbs back to. @default 0.1 */
  increaseStep?: number;
  /** Replaces the built-in rule table. */
  rules?: readonly SlowDownRule[];
}

/** One budget (a recipient profile or a provider account) and its adaptive state. */
export interface Budget {
  // The fields a send reads and writes come first: they share the object's first cache lines.
  /** The rate in force, never above `configured`. */
  rate: number;
  /** The bucket size in force: one second's worth of `rate`, at most `burst`, at least 1. */
  effectiveBurst: number;
  pausedUntil: number;
  /** GCRA state of the in-process bucket: when it is next empty of debt. */
  tat: number;
  windowStart: number;
  windowCount: number;
  previousCount: number;
  readonly scope: 'profile' | 'account';
  readonly key: string;
  readonly profile?: string;
  readonly provider?: string;
  /** The key in the RateStore. */
  readonly storeKey: string;
  /** The configured rate (Infinity: no static cap) and burst. */
  configured: number;
  burst: number;
  floor: number;
  /** What increases climb back to (the configured rate, or the observed rate at the first cut). */
  ceiling: number;
  clampedUntil: number;
  lastSignal: number;
  lastCut: number;
  lastIncrease: number;
}

export function createBudget(init: {
  scope: 'profile' | 'account';
  key: string;
  storeKey: string;
  rate: number;
  burst?: number;
  floor?: number;
  profile?: string;
  provider?: string;
}): Budget {
  const budget: Budget = {
    rate: init.rate,
    effectiveBurst: 1,
    pausedUntil: 0,
    tat: 0,
    windowStart: 0,
    windowCount: 0,
    previousCount: 0,
    scope: init.scope,
    key: init.key,
    storeKey: init.storeKey,
    ...(init.profile === undefined ? {} : { profile: init.profile }),
    ...(init.provider === undefined ? {} : { provider: init.provider }),
    configured: init.rate,
    burst: init.burst ?? Math.max(1, init.rate),
    floor: init.floor ?? 1 / 60,
    ceiling: init.rate,
    clampedUntil: 0,
    lastSignal: Number.NEGATIVE_INFINITY,
    lastCut: Number.NEGATIVE_INFINITY,
    lastIncrease: Number.NEGATIVE_INFINITY,
  };
  setRate(budget, init.rate);
  return budget;
}

/** Changes the configured rate (e.g. seeded from the provider's account); resets adaptation. */
export function configure(budget: Budget, rate: number, burst?: number): void {
  budget.configured = rate;
  budget.burst = burst ?? Math.max(1, rate);
  budget.ceiling = rate;
  setRate(budget, rate);
}

function setRate(budget: Budget, rate: number): void {
  budget.rate = rate;
  budget.effectiveBurst = Math.max(1, Math.min(budget.burst, rate));
}

/** Counts what was granted, so a cut from "no cap" starts from the pace actually sent. */
export function observe(budget: Budget, now: number, count: number): void {
  const elapsed = now - budget.windowStart;
  if (elapsed >= 1000) {
    budget.previousCount = elapsed < 2000 ? budget.windowCount : 0;
    budget.windowStart = now;
    budget.windowCount = 0;
  }
  budget.windowCount += count;
}

export function observedRate(budget: Budget, now: number): number {
  const elapsed = now - budget.windowStart;
  if (elapsed >= 2000) return 0;
  if (elapsed >= 1000) return budget.windowCount;
  return Math.max(budget.previousCount, budget.windowCount);
}

/** The first rule a deferral matches, or undefined when it says nothing about the pace. */
export function slowDownRule(
  event: DeliveryEvent,
  profile: string,
  rules: readonly SlowDownRule[],
): SlowDownRule | undefined {
  if (event.type !== 'deferred' || event.bounce === undefined) return undefined;
  const b = event.bounce;
  const text = `${b.smtpStatus ?? (b.enhancedStatus?.startsWith('4.') ? 400 : '')} ${b.enhancedStatus ?? ''} ${b.diagnostic ?? ''}`;
  for (const rule of rules) {
    if (rule.profile !== undefined && rule.profile !== profile) continue;
    rule.pattern.lastIndex = 0;
    if (rule.pattern.test(text)) return rule;
  }
  // The classifier's rate-limit category (4.7.x) without a telling text.
  return b.category === 'rate-limit' ? rateLimitCategory : undefined;
}

const base = (budget: Budget, now: number) =>
  budget.rate < Number.POSITIVE_INFINITY
    ? budget.rate
    : Math.max(observedRate(budget, now), budget.floor);

/** Applies a slow-down signal; returns the change it made, or undefined within the cut interval. */
export function slowDown(
  budget: Budget,
  signal: {
    action: SlowDownAction;
    reason: string;
    now: number;
    options: Required<Omit<AdaptiveOptions, 'rules'>>;
  },
): ThrottleEvent | undefined {
  const { action, reason, now, options } = signal;
  budget.lastSignal = now;
  const from = budget.rate;
  const common = {
    scope: budget.scope,
    key: budget.key,
    ...(budget.profile === undefined ? {} : { profile: budget.profile }),
    ...(budget.provider === undefined ? {} : { provider: budget.provider }),
    from,
    reason,
    at: now,
  };
  if (action.type === 'pause') {
    // Deferrals of mail sent before the pause keep arriving during it: they are the same signal,
    // not a reason to cut the rate again or to hold the pause longer.
    if (budget.pausedUntil > now) return undefined;
    const start = base(budget, now);
    if (budget.ceiling === Number.POSITIVE_INFINITY) budget.ceiling = start;
    setRate(budget, Math.max(budget.floor, Math.min(start, start * options.decrease)));
    budget.pausedUntil = now + action.ms;
    budget.lastCut = now;
    return { type: 'pause', ...common, to: budget.rate, until: budget.pausedUntil };
  }
  if (action.type === 'clamp') {
    if (budget.clampedUntil >= now + action.ms && budget.rate <= action.rate) return undefined;
    if (budget.ceiling === Number.POSITIVE_INFINITY) budget.ceiling = base(budget, now);
    setRate(budget, Math.min(budget.configured, action.rate));
    budget.clampedUntil = now + action.ms;
    budget.lastCut = now;
    return { type: 'clamp', ...common, to: budget.rate, until: budget.clampedUntil };
  }
  if (now - budget.lastCut < options.cutIntervalMs) return undefined;
  const start = base(budget, now);
  const to = Math.max(budget.floor, start * options.decrease);
  if (to >= from) return undefined;
  if (budget.ceiling === Number.POSITIVE_INFINITY) budget.ceiling = start;
  setRate(budget, to);
  budget.lastCut = now;
  return { type: 'decrease', ...common, to };
}

/** Quiet success: additive increase toward the ceiling, then back to the configured rate. */
export function relax(
  budget: Budget,
  now: number,
  options: Required<Omit<AdaptiveOptions, 'rules'>>,
): ThrottleEvent | undefined {
  if (budget.rate === budget.configured) return undefined;
  if (now < budget.pausedUntil || now < budget.clampedUntil) return undefined;
  if (
    now - budget.lastSignal < options.quietMs ||
    now - budget.lastIncrease < options.increaseIntervalMs
  )
    return undefined;
  const from = budget.rate;
  const ceiling = Math.min(budget.ceiling, budget.configured);
  const next = from + Math.max(budget.floor, ceiling * options.increaseStep);
  const restore = next >= ceiling;
  setRate(budget, restore ? budget.configured : next);
  if (restore) budget.ceiling = budget.configured;
  budget.lastIncrease = now;
  return {
    type: restore ? 'restore' : 'increase',
    scope: budget.scope,
    key: budget.key,
    ...(budget.profile === undefined ? {} : { profile: budget.profile }),
    ...(budget.provider === undefined ? {} : { provider: budget.provider }),
    from,
    to: budget.rate,
    reason: restore
      ? `no slow-down signal for ${Math.round((now - budget.lastSignal) / 1000)} s: back to the configured rate`
      : `no slow-down signal for ${Math.round((now - budget.lastSignal) / 1000)} s: additive increase`,
    at: now,
  };
}
