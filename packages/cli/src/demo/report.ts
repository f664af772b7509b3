import { fit } from './progress.ts';
import { countColumns, headline, percent, type Counts, type DemoStats } from './stats.ts';

/** Short column heads, so a table fits an 80-column terminal. */
const head: Record<keyof Counts, string> = {
  sent: 'sent',
  delivered: 'deliv',
  deferred: 'defer',
  bounced: 'bounce',
  complained: 'compl',
  suppressed: 'suppr',
  rejected: 'reject',
  failed: 'failed',
};

function table(title: string, rows: Record<string, Counts>): string {
  const names = Object.keys(rows).sort();
  const width = Math.max(12, ...names.map((n) => n.length + 2));
  const top = `${title.padEnd(width)}${countColumns.map((c) => head[c].padStart(7)).join('')}`;
  const body = names.map(
    (n) =>
      `${n.padEnd(width)}${countColumns.map((c) => String(rows[n]?.[c] ?? 0).padStart(7)).join('')}`,
  );
  return [top, ...body].join('\n');
}

const n = (value: number) => value.toLocaleString('en-US');

/** The end-of-run report for the terminal: the headline figures first, then the detail. */
export function renderTextReport(
  stats: DemoStats,
  extra: { suppressed: number; followUp: { attempted: number; dropped: number } },
): string {
  const figures = headline(stats);
  const rows = figures
    .filter((h) => h.share !== undefined)
    .map(
      (h) =>
        `  ${h.label.padEnd(12)}${n(h.value).padStart(7)} ${percent(h.share ?? 0).padStart(6)}  ${h.note}`,
    );
  const rate = figures.find((h) => h.key === 'rate')?.value ?? 0;
  const seconds = figures.find((h) => h.key === 'duration')?.value ?? 0;
  const failoverPairs = [
    ...new Set(stats.failovers.map((f) => `${f.from} → ${f.to} on ${f.reason}`)),
  ];
  const lines = [
    `Done: ${n(stats.recipients)} recipients in ${seconds.toFixed(1)} s, ${n(rate)} messages/s while sending (shares are of the recipients; every figure counts messages)`,
    ...rows,
    '',
    table('provider', stats.byProvider),
    '',
    table('profile', stats.byProfile),
    '',
    table('stream', stats.byStream),
    'defer: messages deferred at least once (a message later delivered counts in deliv as well)',
    '',
    `Throttle changes (${stats.throttle.length}):`,
    ...stats.throttle
      .slice(0, 12)
      // One line each in 80 columns; the HTML report has them in full.
      .map((t) =>
        fit(`  ${t.second.toFixed(1).padStart(5)} s  ${t.profile}  ${t.reason}  ${t.detail}`, 80),
      ),
    ...(stats.throttle.length > 12
      ? [`  … ${stats.throttle.length - 12} more in the HTML report`]
      : []),
    `Failovers: ${stats.failovers.length} messages${failoverPairs.length ? ` (${failoverPairs.join(', ')})` : ''}`,
    ...stats.circuits.map(
      (c) => `  ${c.second.toFixed(1).padStart(5)} s  circuit ${c.provider} ${c.state}`,
    ),
    `Suppression list: ${n(extra.suppressed)} addresses added during the run (hard bounces, complaints, repeated soft bounces)`,
    `Follow-up to ${n(extra.followUp.attempted)} suppressed addresses: ${n(extra.followUp.dropped)} dropped before any provider call`,
    ...(stats.alerts.length
      ? [
          `Alerts: ${stats.alerts.length}`,
          ...stats.alerts
            .slice(0, 5)
            .map((a) => fit(`  ${a.second.toFixed(1).padStart(5)} s  ${a.message}`, 80)),
        ]
      : []),
  ];
  return lines.join('\n');
}
