/**
 * What the demo counts, per provider, per mailbox-provider profile and per stream. Every figure
 * counts messages (one recipient each in the demo), never events: a message deferred three times
 * and then delivered counts once under `deferred` and once under `delivered`.
 */
export interface Counts {
  /** Accepted by a provider. */
  sent: number;
  delivered: number;
  /** Deferred at least once (by the receiver), whatever came after. */
  deferred: number;
  bounced: number;
  complained: number;
  /** Not sent: the address was already on the suppression list. */
  suppressed: number;
  /** Refused by the relay or the provider before any attempt (invalid, policy). */
  rejected: number;
  /** No provider took it (all failed). */
  failed: number;
}

/** The columns of every report table, in order. */
export const countColumns: ReadonlyArray<keyof Counts> = [
  'sent',
  'delivered',
  'deferred',
  'bounced',
  'complained',
  'suppressed',
  'rejected',
  'failed',
];

export const emptyCounts = (): Counts => ({
  sent: 0,
  delivered: 0,
  deferred: 0,
  bounced: 0,
  complained: 0,
  suppressed: 0,
  rejected: 0,
  failed: 0,
});

export type CountKey = keyof Counts;
export type BounceClass = 'hard' | 'soft' | 'block' | 'undetermined';

export interface TimelinePoint {
  /** Start of the one-second bucket, in seconds since the start. */
  second: number;
  profile: string;
  /** Delivered events in the bucket. */
  delivered: number;
  /** Deferral events in the bucket (one message may be deferred several times). */
  deferred: number;
}

/** Something that happened during the run, for the charts' marks and the lists. */
export type Incident =
  | { kind: 'failover'; second: number; from: string; to: string; reason: string }
  | {
      kind: 'pause' | 'resume';
      second: number;
      /** `profile google`, `account resend`. */
      scope: string;
      detail: string;
    }
  | { kind: 'alert'; second: number; type: string; message: string };

export interface DemoStats {
  startedAt: Date;
  finishedAt?: Date;
  /** When the last message of the main campaign had its answer from the relay. */
  sendingEndedAt?: Date;
  recipients: number;
  byProvider: Record<string, Counts>;
  byProfile: Record<string, Counts>;
  byStream: Record<string, Counts & { total: number }>;
  /** The whole campaign, each message once. */
  totals: Counts;
  bounces: Record<BounceClass, number>;
  /** Deferral events (a message deferred twice counts twice here, once in `totals.deferred`). */
  deferralEvents: number;
  /** Messages deferred at least once and later delivered. */
  deferredThenDelivered: number;
  /** Messages that moved to another provider after a provider-side fault. */
  failedOver: number;
  /** The simulated provider outage, in seconds since the start. */
  outage?: { provider: string; from: number; until: number };
  timeline: TimelinePoint[];
  /** Messages accepted per provider per second (bucket start in seconds since the start). */
  sends: Array<{ second: number; provider: string; sent: number }>;
  /** Messages the providers have accepted so far (live, for the progress line). */
  accepted?: number;
  /** Addresses on the suppression list before the run started. */
  preSuppressed?: number;
  /** Seconds since the start when the demo stopped watching for events; the timeline ends there. */
  observedUntil?: number;
  throttle: Array<{ second: number; profile: string; reason: string; detail: string }>;
  failovers: Array<{ second: number; from: string; to: string; reason: string }>;
  circuits: Array<{ second: number; provider: string; state: string; reason: string }>;
  suppression: Array<{ second: number; size: number }>;
  alerts: Array<{ second: number; type: string; message: string }>;
}

export interface Where {
  provider?: string | undefined;
  profile?: string | undefined;
  stream?: string | undefined;
}

export interface LiveStats extends DemoStats {
  /** Counts one message's outcome once (a second call for the same message and key is ignored). */
  count(key: CountKey, message: string, where: Where): void;
  /** One delivered or deferred event, for the timeline. */
  tick(profile: string, key: 'delivered' | 'deferred'): void;
  bounce(message: string, bounceClass: BounceClass): void;
  /** One message accepted by this provider, for the per-provider timeline. */
  tickSend(provider: string): void;
  failover(message: string): void;
  /** Seconds since the start. */
  elapsed(): number;
}

export function createStats(recipients: number, startedAt = new Date()): LiveStats {
  const points = new Map<string, TimelinePoint>();
  const sendPoints = new Map<string, { second: number; provider: string; sent: number }>();
  const seen = new Set<string>();
  const deferredMessages = new Set<string>();
  const failedOverMessages = new Set<string>();
  const bounced = new Set<string>();
  const stats: LiveStats = {
    startedAt,
    recipients,
    byProvider: {},
    byProfile: {},
    byStream: {},
    totals: emptyCounts(),
    bounces: { hard: 0, soft: 0, block: 0, undetermined: 0 },
    deferralEvents: 0,
    deferredThenDelivered: 0,
    failedOver: 0,
    timeline: [],
    sends: [],
    throttle: [],
    failovers: [],
    circuits: [],
    suppression: [],
    alerts: [],
    elapsed: () => (Date.now() - startedAt.getTime()) / 1000,
    count(key, message, where) {
      const id = `${key}\u0000${message}`;
      if (seen.has(id)) return;
      seen.add(id);
      // Webhooks arrive in any order: a delivery may be seen before the deferral that preceded it.
      if (key === 'deferred') {
        deferredMessages.add(message);
        if (seen.has(`delivered\u0000${message}`)) stats.deferredThenDelivered += 1;
      }
      if (key === 'delivered' && deferredMessages.has(message)) stats.deferredThenDelivered += 1;
      stats.totals[key] += 1;
      if (where.provider) (stats.byProvider[where.provider] ??= emptyCounts())[key] += 1;
      if (where.profile) (stats.byProfile[where.profile] ??= emptyCounts())[key] += 1;
      if (where.stream) (stats.byStream[where.stream] ??= { ...emptyCounts(), total: 0 })[key] += 1;
    },
    tick(profile, key) {
      if (key === 'deferred') stats.deferralEvents += 1;
      const second = Math.floor(stats.elapsed());
      const id = `${second}\u0000${profile}`;
      let p = points.get(id);
      if (!p) {
        p = { second, profile, delivered: 0, deferred: 0 };
        points.set(id, p);
        stats.timeline.push(p);
      }
      p[key] += 1;
    },
    tickSend(provider) {
      const second = Math.floor(stats.elapsed());
      const id = `${second}\u0000${provider}`;
      let p = sendPoints.get(id);
      if (!p) {
        p = { second, provider, sent: 0 };
        sendPoints.set(id, p);
        stats.sends.push(p);
      }
      p.sent += 1;
    },
    bounce(message, bounceClass) {
      if (bounced.has(message)) return;
      bounced.add(message);
      stats.bounces[bounceClass] += 1;
    },
    failover(message) {
      if (failedOverMessages.has(message)) return;
      failedOverMessages.add(message);
      stats.failedOver += 1;
    },
  };
  return stats;
}

/** Seconds the run took, start to finish. */
export const durationOf = (stats: DemoStats): number =>
  ((stats.finishedAt ?? new Date()).getTime() - stats.startedAt.getTime()) / 1000;

/** Messages per second accepted by the providers while the campaign was sending. */
export function sendRate(stats: DemoStats): number {
  const end = stats.sendingEndedAt ?? stats.finishedAt ?? new Date();
  const seconds = (end.getTime() - stats.startedAt.getTime()) / 1000;
  return seconds > 0 ? stats.totals.sent / seconds : 0;
}

export interface Headline {
  key: string;
  label: string;
  value: number;
  /** Share of the campaign's recipients, 0..1; absent for rates and durations. */
  share?: number;
  /** What the figure counts, in a few words. */
  note: string;
}

/** The report's first lines: each figure with its share of the recipients and what it counts. */
export function headline(stats: DemoStats): Headline[] {
  const n = stats.recipients;
  const share = (value: number) => (n === 0 ? 0 : value / n);
  const t = stats.totals;
  const b = stats.bounces;
  const row = (key: string, label: string, value: number, note: string): Headline => ({
    key,
    label,
    value,
    share: share(value),
    note,
  });
  return [
    row('sent', 'sent', t.sent, 'messages accepted by a provider'),
    row('delivered', 'delivered', t.delivered, 'messages delivered'),
    row(
      'deferred',
      'deferred',
      t.deferred,
      `messages deferred at least once (${stats.deferralEvents} deferral events); ${stats.deferredThenDelivered} of them were delivered later`,
    ),
    row(
      'bounced',
      'bounced',
      t.bounced,
      `messages: ${b.hard} hard, ${b.soft} soft, ${b.block} block${b.undetermined ? `, ${b.undetermined} undetermined` : ''}`,
    ),
    row('complained', 'complained', t.complained, 'messages reported as spam'),
    row(
      'suppressed',
      'suppressed',
      t.suppressed,
      'messages not sent: the address was already on the suppression list',
    ),
    row(
      'failed-over',
      'failed over',
      stats.failedOver,
      'messages moved to another provider after a provider-side fault (the outage, a timeout)',
    ),
    // Only when it happened: a message no provider took (a timeout may still have delivered it).
    ...(t.failed > 0
      ? [
          row(
            'failed',
            'failed',
            t.failed,
            'messages no provider took; after a timeout one may still have been delivered',
          ),
        ]
      : []),
    {
      key: 'rate',
      label: 'messages/s',
      value: Math.round(sendRate(stats)),
      note: 'sent per second while the campaign was sending',
    },
    {
      key: 'duration',
      label: 'seconds',
      value: Math.round(durationOf(stats) * 10) / 10,
      note: 'the whole run, webhooks included',
    },
  ];
}

export const percent = (share: number): string =>
  share === 0
    ? '0%'
    : share < 0.001
      ? '<0.1%'
      : `${(share * 100).toFixed(share < 0.1 ? 1 : 0).replace(/\.0$/u, '')}%`;
