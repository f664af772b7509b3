import type { DeliveryEvent } from '../events.ts';
import type { CanaryBreach, CanaryMetric, CanaryReport, CanaryThresholds } from './types.ts';

export type OutcomeKind =
  | 'attempted'
  | 'suppressed'
  | 'delivered'
  | 'deferred'
  | 'hard-bounce'
  | 'soft-bounce'
  | 'block'
  | 'complaint'
  | 'rejected'
  | 'failed';

/** What one canary message came to, as stored with the campaign (JSON-safe). */
export interface CanaryOutcome {
  domain: string;
  provider?: string;
  kinds: OutcomeKind[];
  /** The error a send failed with for good ('failed'): its kind and message. */
  error?: { kind: string; message: string };
}

const final = new Set<OutcomeKind>([
  'delivered',
  'deferred',
  'hard-bounce',
  'soft-bounce',
  'block',
  'complaint',
  'rejected',
  'failed',
]);

/** The outcome kind a delivery event says, if it says one the canary counts. */
export function outcomeOf(event: Pick<DeliveryEvent, 'type' | 'bounce'>): OutcomeKind | undefined {
  switch (event.type) {
    case 'delivered':
      return 'delivered';
    case 'deferred':
      return 'deferred';
    case 'complained':
      return 'complaint';
    // A recipient the provider holds on its suppression list: refused at send by some (Postmark's
    // 406 becomes 'rejected'), accepted and then dropped by others (SES, Mailgun, Resend report
    // 'suppressed'). The same refusal either way; without it the canary waits for an outcome
    // that never comes.
    case 'rejected':
    case 'suppressed':
      return 'rejected';
    case 'bounced': {
      const c = event.bounce?.class;
      // An unclassified bounce counts as hard: the canary errs on the side of stopping.
      return c === 'soft' ? 'soft-bounce' : c === 'block' ? 'block' : 'hard-bounce';
    }
    default:
      return undefined;
  }
}

export const hasOutcome = (o: CanaryOutcome): boolean => o.kinds.some((k) => final.has(k));
export const wasAttempted = (o: CanaryOutcome): boolean =>
  o.kinds.includes('attempted') || o.kinds.includes('rejected') || o.kinds.includes('failed');

const metricKinds: Record<CanaryMetric, readonly OutcomeKind[]> = {
  complaint: ['complaint'],
  'hard-bounce': ['hard-bounce', 'rejected'],
  block: ['block'],
  deferral: ['deferred'],
  'send-failure': ['failed'],
};

const pct = (r: number) => `${(r * 100).toFixed(r < 0.01 ? 2 : 1)}%`;

/** The distinct errors of messages that failed at send, most frequent first: "kind: message". */
function errorsOf(offending: readonly CanaryOutcome[]): string {
  const counts = new Map<string, number>();
  for (const o of offending) {
    if (!o.error) continue;
    const text = `${o.error.kind}: ${o.error.message.replace(/^\[relaykit\] (\[[^\]]+\] )?/u, '')}`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const list = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return list.map(([text, n]) => (list.length > 1 ? `${text} (${n})` : text)).join('; ');
}

function where(
  offending: readonly CanaryOutcome[],
  profileOf: (domain: string) => string,
): Pick<CanaryBreach, 'domains' | 'profiles' | 'providers'> {
  const byDomain = new Map<string, number>();
  for (const o of offending) byDomain.set(o.domain, (byDomain.get(o.domain) ?? 0) + 1);
  const domains = [...byDomain.entries()]
    .map(([domain, count]) => ({ domain, profile: profileOf(domain), count }))
    .sort((a, b) => b.count - a.count || a.domain.localeCompare(b.domain));
  return {
    domains,
    profiles: [...new Set(domains.map((d) => d.profile))],
    providers: [...new Set(offending.flatMap((o) => (o.provider ? [o.provider] : [])))].sort(),
  };
}

/**
 * The canary's verdict: each metric's rate over the attempted messages against its threshold;
 * and, when the hold timed out, whether enough outcomes came back to judge at all.
 */
export function judgeCanary(
  outcomes: readonly CanaryOutcome[],
  options: {
    thresholds: CanaryThresholds;
    minOutcomes: number;
    timedOut: boolean;
    timeoutMs: number;
    profileOf: (domain: string) => string;
  },
): CanaryReport {
  const attempted = outcomes.filter(wasAttempted);
  const answered = attempted.filter(hasOutcome);
  const count = (kinds: readonly OutcomeKind[]) =>
    attempted.filter((o) => o.kinds.some((k) => kinds.includes(k)));
  const of = attempted.length;
  const rates = {} as Record<CanaryMetric, number>;
  const breaches: CanaryBreach[] = [];
  for (const metric of ['send-failure', 'complaint', 'hard-bounce', 'block', 'deferral'] as const) {
    const offending = count(metricKinds[metric]);
    const rate = of === 0 ? 0 : offending.length / of;
    rates[metric] = rate;
    const limit = options.thresholds[metric];
    if (rate <= limit) continue;
    const at = where(offending, options.profileOf);
    const top = at.domains
      .slice(0, 3)
      .map((d) => `${d.domain} (${d.profile}) ${d.count}`)
      .join(', ');
    const head = `canary ${metric} rate ${pct(rate)} (${offending.length} of ${of}) is over ${pct(limit)}`;
    const via = at.providers.join(', ') || 'no provider';
    breaches.push({
      threshold: metric,
      rate,
      limit,
      count: offending.length,
      of,
      ...at,
      message:
        metric === 'send-failure'
          ? `${head}: ${via} refused them at send (${errorsOf(offending)}); the rest of the list was not sent: fix what the error names (the template, the account, the message), then start a new campaign`
          : `${head}, on ${top} via ${via}; the rest of the list was not sent: clean the list (or fix the content and authentication), then start a new campaign`,
    });
  }
  if (options.timedOut && answered.length < Math.ceil(options.minOutcomes * of)) {
    const silent = attempted.filter((o) => !hasOutcome(o));
    breaches.push({
      threshold: 'outcomes',
      rate: of === 0 ? 0 : answered.length / of,
      limit: options.minOutcomes,
      count: answered.length,
      of,
      ...where(silent, options.profileOf),
      message: `only ${answered.length} of ${of} canary messages reported an outcome within ${Math.round(options.timeoutMs / 1000)} s; check that the providers' webhooks reach relay.webhooks (or raise canary.timeoutMs), then run the campaign again with the same id`,
    });
  }
  const n = (kind: OutcomeKind) => outcomes.filter((o) => o.kinds.includes(kind)).length;
  return {
    size: outcomes.length,
    attempted: of,
    outcomes: answered.length,
    delivered: n('delivered'),
    hardBounced: count(metricKinds['hard-bounce']).length,
    blocked: n('block'),
    complained: n('complaint'),
    deferred: n('deferred'),
    suppressed: n('suppressed'),
    failed: n('failed'),
    rates,
    thresholds: options.thresholds,
    verdict: breaches.length === 0 ? 'passed' : 'breached',
    breaches,
  };
}
