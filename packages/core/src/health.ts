import { domainOf } from './address.ts';
import type { DeliveryEvent } from './events.ts';
import type { SendGuard } from './ports.ts';
import type { Provider } from './provider.ts';

export interface HealthThresholds {
  /** Rate (0–1) that raises a warning alert. */
  warn: number;
  /** Rate (0–1) that pauses the sending domain until `resume`. */
  pause: number;
}

/**
 * The rates at which a provider reviews or pauses an account, as its adapter declares them
 * (`Provider.accountHealth`), with the provider's own documentation cited there.
 */
export interface AccountHealthThresholds {
  bounceRate?: HealthThresholds;
  complaintRate?: HealthThresholds;
}

/**
 * The thresholds for a provider that declares none, which hold on any relay.
 * - Complaints: warn at 0.1%, pause at 0.3%. These are the mailbox providers' own figures, which
 *   bind whichever provider relays the mail: Gmail asks senders to keep the spam rate below 0.1%
 *   and never to reach 0.3% (Email sender guidelines, https://support.google.com/a/answer/81126),
 *   and Yahoo to keep it below 0.3% (https://senders.yahooinc.com/best-practices/).
 * - Hard bounces: warn at 5%, pause at 10%. Mailbox providers publish no bounce rate (Gmail asks
 *   senders to stop mailing addresses that bounce repeatedly, same page); 10% is the rate at which
 *   sending providers commonly pause an account for review, so the guard pauses before it.
 */
export const defaultHealthThresholds: Required<AccountHealthThresholds> = {
  bounceRate: { warn: 0.05, pause: 0.1 },
  complaintRate: { warn: 0.001, pause: 0.003 },
};

export interface HealthAlert {
  type: 'health-warning' | 'health-paused' | 'health-resumed';
  message: string;
  domain: string;
  provider?: string;
  metric?: 'bounce' | 'complaint';
  rate?: number;
  threshold?: number;
  sends?: number;
  [key: string]: unknown;
}

export interface HealthGuardOptions {
  /**
   * Hard-bounce rate, for every provider. Absent: each provider's own (`Provider.accountHealth`),
   * else `defaultHealthThresholds` ({ warn: 0.05, pause: 0.10 }).
   */
  bounceRate?: HealthThresholds;
  /**
   * Complaint rate, for every provider. Absent: each provider's own (`Provider.accountHealth`),
   * else `defaultHealthThresholds` ({ warn: 0.001, pause: 0.003 }).
   */
  complaintRate?: HealthThresholds;
  /** The rolling window rates are computed over. @default 7 days */
  windowMs?: number;
  /** Sends within the window before rates count: a handful of early bounces says little. @default 200 */
  minVolume?: number;
  onAlert?: (alert: HealthAlert) => void;
  now?: () => number;
}

export interface HealthStatus {
  domain: string;
  provider: string;
  sends: number;
  bounces: number;
  complaints: number;
  bounceRate: number;
  complaintRate: number;
}

export interface HealthGuard extends SendGuard {
  /** Learns the providers' own thresholds (`Provider.accountHealth`); createRelay calls it. */
  attach(context: { providers: readonly Provider[] }): void;
  resume(fromDomain: string): void;
  /** Why a domain is paused, or undefined. */
  paused(fromDomain: string): string | undefined;
  /** Rates within the window, per sending domain and provider. */
  status(fromDomain?: string): HealthStatus[];
}

interface Bucket {
  start: number;
  sends: number;
  bounces: number;
  complaints: number;
  /** Messages whose unattributed complaint this bucket has counted already. */
  unattributed?: Set<string>;
}

interface Counter {
  domain: string;
  provider: string;
  buckets: Bucket[];
  warned: Set<'bounce' | 'complaint'>;
}

const day = 24 * 60 * 60 * 1000;

/**
 * Account-health guard, after the relays' bounce and complaint rate reviews (each provider's
 * thresholds, `Provider.accountHealth`) and Gmail's spam-rate limits
 * (https://support.google.com/a/answer/81126): rolling hard-bounce and complaint rates per sending
 * domain and provider. Past a warning threshold it alerts (once, until the rate falls back);
 * past a pause threshold it pauses the whole sending domain, on every provider (failing over
 * would carry the same list to the next provider's reputation), until `resume`.
 * Bounces of addresses a provider had already suppressed do not count.
 */
export function createHealthGuard(options: HealthGuardOptions = {}): HealthGuard {
  // A user's setting wins over a provider's own, which wins over the default.
  let declared = new Map<string, AccountHealthThresholds>();
  const limitsOf = (provider: string) => {
    const own = declared.get(provider);
    return [
      ['bounce', options.bounceRate ?? own?.bounceRate ?? defaultHealthThresholds.bounceRate],
      [
        'complaint',
        options.complaintRate ?? own?.complaintRate ?? defaultHealthThresholds.complaintRate,
      ],
    ] as const;
  };
  const windowMs = options.windowMs ?? 7 * day;
  const bucketMs = Math.max(1000, Math.floor(windowMs / 168));
  const minVolume = options.minVolume ?? 200;
  const clock = options.now ?? Date.now;
  // By sending domain, then provider: no composite key to build and hash on every send.
  const counters = new Map<string, Map<string, Counter>>();
  const pauses = new Map<string, string>();

  function counter(domain: string, provider: string): Counter {
    let byProvider = counters.get(domain);
    if (!byProvider) counters.set(domain, (byProvider = new Map()));
    let c = byProvider.get(provider);
    if (!c) byProvider.set(provider, (c = { domain, provider, buckets: [], warned: new Set() }));
    return c;
  }

  function bucket(c: Counter): Bucket {
    const now = clock();
    const start = now - (now % bucketMs);
    while (c.buckets.length > 0 && (c.buckets[0] as Bucket).start <= now - windowMs)
      c.buckets.shift();
    let last = c.buckets.at(-1);
    if (!last || last.start !== start)
      c.buckets.push((last = { start, sends: 0, bounces: 0, complaints: 0 }));
    return last;
  }

  function totals(c: Counter): HealthStatus {
    const now = clock();
    let sends = 0;
    let bounces = 0;
    let complaints = 0;
    for (const b of c.buckets) {
      if (b.start <= now - windowMs) continue;
      sends += b.sends;
      bounces += b.bounces;
      complaints += b.complaints;
    }
    return {
      domain: c.domain,
      provider: c.provider,
      sends,
      bounces,
      complaints,
      bounceRate: sends ? bounces / sends : 0,
      complaintRate: sends ? complaints / sends : 0,
    };
  }

  function evaluate(c: Counter) {
    const t = totals(c);
    if (t.sends < minVolume) return;
    for (const [metric, limits] of limitsOf(c.provider)) {
      const rate = metric === 'bounce' ? t.bounceRate : t.complaintRate;
      const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
      const common = { domain: c.domain, provider: c.provider, metric, rate, sends: t.sends };
      if (rate >= limits.pause && !pauses.has(c.domain)) {
        const reason = `${metric} rate ${pct(rate)} over ${t.sends} sends through ${c.provider} reached the pause threshold ${pct(limits.pause)}`;
        pauses.set(c.domain, reason);
        options.onAlert?.({
          type: 'health-paused',
          message: `sending from ${c.domain} is paused: ${reason}; clean the list (remove unengaged and unverified addresses), then call resume('${c.domain}')`,
          threshold: limits.pause,
          ...common,
        });
      } else if (rate >= limits.warn && !c.warned.has(metric)) {
        c.warned.add(metric);
        options.onAlert?.({
          type: 'health-warning',
          message: `${metric} rate from ${c.domain} through ${c.provider} is ${pct(rate)} over ${t.sends} sends, past ${pct(limits.warn)}; ${c.provider} may review the account, and sending pauses at ${pct(limits.pause)}`,
          threshold: limits.warn,
          ...common,
        });
      } else if (rate < limits.warn) {
        c.warned.delete(metric);
      }
    }
  }

  return {
    attach({ providers }) {
      declared = new Map(
        providers.flatMap((p) => (p.accountHealth ? [[p.name, p.accountHealth] as const] : [])),
      );
    },
    blocked(fromDomain) {
      return pauses.get(fromDomain.toLowerCase());
    },
    recordSend(fromDomain, provider, recipients) {
      if (recipients <= 0) return;
      const c = counter(fromDomain.toLowerCase(), provider);
      bucket(c).sends += recipients;
    },
    handle(event: DeliveryEvent) {
      if (!event.from) return;
      const hard =
        event.type === 'bounced' &&
        event.bounce?.class === 'hard' &&
        event.bounce.category !== 'suppressed' &&
        event.bounce.category !== 'inactive';
      if (!hard && event.type !== 'complained') return;
      const c = counter(domainOf(event.from), event.provider);
      const b = bucket(c);
      // A provider that cannot say which recipient complained sends the complaint once per
      // recipient (category 'unattributed'): the message counts once, as one complaint.
      if (!hard && event.bounce?.category === 'unattributed') {
        const message = event.providerMessageId ?? event.messageId ?? event.id;
        if ((b.unattributed ??= new Set()).has(message)) return;
        b.unattributed.add(message);
      }
      if (hard) b.bounces += 1;
      else b.complaints += 1;
      evaluate(c);
    },
    resume(fromDomain) {
      const domain = fromDomain.toLowerCase();
      // The window starts afresh: the old rate would pause it again on the next event.
      counters.delete(domain);
      if (pauses.delete(domain))
        options.onAlert?.({
          type: 'health-resumed',
          message: `sending from ${domain} is resumed; rates count afresh from now`,
          domain,
        });
    },
    paused: (fromDomain) => pauses.get(fromDomain.toLowerCase()),
    status(fromDomain) {
      const domain = fromDomain?.toLowerCase();
      const chosen =
        domain === undefined ? [...counters.values()] : [counters.get(domain) ?? new Map()];
      return chosen.flatMap((byProvider) => [...byProvider.values()]).map(totals);
    },
  };
}
