import { countColumns, type Counts, type DemoStats } from './stats.ts';

const columns = countColumns;

function table(title: string, rows: Record<string, Counts>): string {
  const names = Object.keys(rows).sort();
  const width = Math.max(12, ...names.map((n) => n.length + 2));
  const head = `${title.padEnd(width)}${columns.map((c) => c.padStart(11)).join('')}`;
  const body = names.map(
    (n) =>
      `${n.padEnd(width)}${columns.map((c) => String(rows[n]?.[c] ?? 0).padStart(11)).join('')}`,
  );
  return [head, ...body].join('\n');
}

/** The end-of-run report for the terminal. */
export function renderTextReport(
  stats: DemoStats,
  extra: { suppressed: number; followUp: { attempted: number; dropped: number } },
): string {
  const seconds = ((stats.finishedAt ?? new Date()).getTime() - stats.startedAt.getTime()) / 1000;
  const lines = [
    `Done: ${stats.recipients} recipients in ${seconds.toFixed(1)} s`,
    '',
    table('provider', stats.byProvider),
    '',
    table('profile', stats.byProfile),
    '',
    table('stream', stats.byStream),
    '',
    `Throttle changes (${stats.throttle.length}):`,
    ...stats.throttle
      .slice(0, 12)
      .map((t) => `  ${t.second.toFixed(1).padStart(5)} s  ${t.profile}  ${t.reason}  ${t.detail}`),
    ...(stats.throttle.length > 12
      ? [`  … ${stats.throttle.length - 12} more in the HTML report`]
      : []),
    `Failovers: ${stats.failovers.length}${stats.failovers.length ? ` (${[...new Set(stats.failovers.map((f) => `${f.from} → ${f.to} on ${f.reason}`))].join(', ')})` : ''}`,
    ...stats.circuits.map(
      (c) => `  ${c.second.toFixed(1).padStart(5)} s  circuit ${c.provider} ${c.state}`,
    ),
    `Suppression list: ${extra.suppressed} addresses added (hard bounces, complaints, repeated soft bounces)`,
    `Follow-up to ${extra.followUp.attempted} suppressed addresses: ${extra.followUp.dropped} dropped before any provider call`,
    ...(stats.alerts.length
      ? [
          `Alerts: ${stats.alerts.length}`,
          ...stats.alerts
            .slice(0, 5)
            .map((a) => `  ${a.second.toFixed(1).padStart(5)} s  ${a.message}`),
        ]
      : []),
  ];
  return lines.join('\n');
}
