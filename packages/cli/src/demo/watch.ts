import type { DeliveryEvent, Relay } from '@relaykit/core';
import type { LiveStats, Where } from './stats.ts';

const terminal = new Set<DeliveryEvent['type']>([
  'delivered',
  'bounced',
  'complained',
  'rejected',
  'suppressed',
]);

const fmtRate = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '∞');

export interface RelayWatch {
  /** Addresses (lower case) whose story has ended: delivered, bounced, complained, refused. */
  readonly settled: Set<string>;
  /** Addresses the suppression policy added during the run. */
  readonly suppressed: number;
  /** Stops counting delivery events (a follow-up send is not part of the figures). */
  stopCounting(): void;
}

/**
 * Feeds the report's figures from the relay's events: delivery outcomes per provider, mailbox
 * provider and stream (`where` says which a recipient belongs to), suppressions, throttle changes,
 * failovers, circuit changes and alerts. `healthAlerts: false` leaves the health guard's alerts to
 * whoever records them through the guard's own onAlert.
 */
export function watchRelay(
  relay: Pick<Relay, 'on'>,
  stats: LiveStats,
  options: {
    where(address: string, provider?: string): Where;
    preSuppressed?: number;
    healthAlerts?: boolean;
  },
): RelayWatch {
  const settled = new Set<string>();
  let suppressed = 0;
  let counting = true;
  relay.on('event', (e) => {
    if (!counting) return;
    const address = e.recipient.toLowerCase();
    const w = options.where(address, e.provider);
    if (e.type === 'delivered') stats.tick(w.profile ?? 'other', 'delivered');
    if (e.type === 'deferred') stats.tick(w.profile ?? 'other', 'deferred');
    if (e.type === 'bounced') stats.bounce(address, e.bounce?.class ?? 'undetermined');
    if (
      e.type === 'delivered' ||
      e.type === 'deferred' ||
      e.type === 'bounced' ||
      e.type === 'complained'
    )
      stats.count(e.type, address, w);
    if (terminal.has(e.type)) settled.add(address);
  });
  relay.on('suppression', (d) => {
    if (d.type !== 'suppressed') return;
    suppressed += 1;
    stats.suppression.push({
      second: stats.elapsed(),
      size: (options.preSuppressed ?? 0) + suppressed,
    });
  });
  relay.on('throttle', (t) => {
    if (t.type === 'seed' && t.scope === 'account') return;
    stats.throttle.push({
      second: stats.elapsed(),
      profile: `${t.scope} ${t.key}`,
      reason: t.type,
      detail: `${fmtRate(t.from)} → ${fmtRate(t.to)}/s: ${t.reason}`,
    });
  });
  relay.on('failover', (f) => {
    stats.failover(f.messageId);
    stats.failovers.push({ second: stats.elapsed(), from: f.from, to: f.to, reason: f.error.kind });
  });
  relay.on('circuit', (c) =>
    stats.circuits.push({
      second: stats.elapsed(),
      provider: c.provider,
      state: c.state,
      reason: c.reason,
    }),
  );
  relay.on('alert', (a) => {
    if (options.healthAlerts === false && a.type.startsWith('health-')) return;
    stats.alerts.push({ second: stats.elapsed(), type: a.type, message: a.message });
  });
  return {
    settled,
    get suppressed() {
      return suppressed;
    },
    stopCounting: () => {
      counting = false;
    },
  };
}
