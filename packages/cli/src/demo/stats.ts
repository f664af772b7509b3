/** What the demo counts, per provider, per mailbox-provider profile and per stream. */
export interface Counts {
  sent: number;
  delivered: number;
  deferred: number;
  bounced: number;
  complained: number;
  suppressed: number;
  rejected: number;
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

export interface TimelinePoint {
  /** Seconds since the start, bucketed. */
  second: number;
  profile: string;
  delivered: number;
  deferred: number;
}

export interface DemoStats {
  startedAt: Date;
  finishedAt?: Date;
  recipients: number;
  byProvider: Record<string, Counts>;
  byProfile: Record<string, Counts>;
  byStream: Record<string, Counts & { total: number }>;
  timeline: TimelinePoint[];
  throttle: Array<{ second: number; profile: string; reason: string; detail: string }>;
  failovers: Array<{ second: number; from: string; to: string; reason: string }>;
  circuits: Array<{ second: number; provider: string; state: string; reason: string }>;
  suppression: Array<{ second: number; size: number }>;
  alerts: Array<{ second: number; message: string }>;
}

export type CountKey = keyof Counts;

export interface LiveStats extends DemoStats {
  count(
    key: CountKey,
    where: {
      provider?: string | undefined;
      profile?: string | undefined;
      stream?: string | undefined;
    },
  ): void;
  tick(profile: string, key: 'delivered' | 'deferred'): void;
  /** Seconds since the start. */
  elapsed(): number;
}

export function createStats(recipients: number, startedAt = new Date()): LiveStats {
  const points = new Map<string, TimelinePoint>();
  const stats: LiveStats = {
    startedAt,
    recipients,
    byProvider: {},
    byProfile: {},
    byStream: {},
    timeline: [],
    throttle: [],
    failovers: [],
    circuits: [],
    suppression: [],
    alerts: [],
    elapsed: () => (Date.now() - startedAt.getTime()) / 1000,
    count(key, where) {
      if (where.provider) (stats.byProvider[where.provider] ??= emptyCounts())[key] += 1;
      if (where.profile) (stats.byProfile[where.profile] ??= emptyCounts())[key] += 1;
      if (where.stream) (stats.byStream[where.stream] ??= { ...emptyCounts(), total: 0 })[key] += 1;
    },
    tick(profile, key) {
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
  };
  return stats;
}
