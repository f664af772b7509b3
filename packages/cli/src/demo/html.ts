import type { CampaignReport } from '@relaykit/core';
import { renderCampaignSection } from './campaign-section.ts';
import { escape, lineChart, perSecond, type Band, type Mark, type Series } from './chart.ts';
import {
  countColumns,
  durationOf,
  headline,
  percent,
  type Counts,
  type DemoStats,
} from './stats.ts';

const palette = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

const columnTitle: Record<keyof Counts, string> = {
  sent: 'sent',
  delivered: 'delivered',
  deferred: 'deferred (messages)',
  bounced: 'bounced',
  complained: 'complained',
  suppressed: 'suppressed',
  rejected: 'rejected',
  failed: 'failed',
};

const number = (n: number) => n.toLocaleString('en-US');

function table(title: string, rows: Record<string, Counts>, note: string): string {
  const head = `<tr><th scope="col"></th>${countColumns.map((c) => `<th scope="col">${columnTitle[c]}</th>`).join('')}</tr>`;
  const body = Object.entries(rows)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, c]) =>
        `<tr><th scope="row">${escape(name)}</th>${countColumns.map((k) => `<td>${number(c[k])}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>${escape(title)}</h2><p class="muted">${escape(note)}</p><div class="scroll"><table>${head}${body}</table></div>`;
}

const bySecond = <T extends { second: number }>(
  items: readonly T[],
  value: (item: T) => number,
): Map<number, number> => {
  const out = new Map<number, number>();
  for (const item of items) out.set(item.second, (out.get(item.second) ?? 0) + value(item));
  return out;
};

/** The marks for every chart: failovers, throttle pauses and resumes (optionally of one profile), alerts. */
function marksOf(stats: DemoStats, options: { profile?: string; failovers: boolean }): Mark[] {
  const marks: Mark[] = [];
  if (options.failovers)
    for (const f of stats.failovers)
      marks.push({
        kind: 'failover',
        at: f.second,
        label: `${f.second.toFixed(1)} s: failover ${f.from} → ${f.to} (${f.reason})`,
      });
  for (const t of stats.throttle) {
    if (t.reason !== 'pause' && t.reason !== 'resume') continue;
    if (options.profile !== undefined && t.profile !== `profile ${options.profile}`) continue;
    marks.push({
      kind: t.reason,
      at: t.second,
      label: `${t.second.toFixed(1)} s: ${t.profile} ${t.reason}: ${t.detail}`,
    });
  }
  for (const a of stats.alerts)
    marks.push({ kind: 'alert', at: a.second, label: `${a.second.toFixed(1)} s: ${a.message}` });
  return marks;
}

export interface HtmlReportOptions {
  /** The page's heading. @default 'relaykit demo report' */
  title?: string;
  /** Where the run went, after the recipient count. @default the simulator on this machine */
  where?: string;
  /** A campaign's status, canary verdict and pauses, shown first (`relaykit campaign run`). */
  campaign?: CampaignReport;
}

/** The demo's (and `relaykit campaign run`'s) report as one HTML file with inline SVG charts. */
export function renderHtmlReport(stats: DemoStats, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'relaykit demo report';
  const where = options.where ?? 'Everything ran on this machine against the relaykit simulator.';
  const until = stats.observedUntil ?? durationOf(stats);
  const xMax = until;
  const band: Band | undefined = stats.outage
    ? {
        from: stats.outage.from,
        until: stats.outage.until,
        label: `${stats.outage.provider} outage`,
      }
    : undefined;
  const withBand = band ? { band } : {};
  const profiles = [...new Set(stats.timeline.map((p) => p.profile))].sort();
  const providers = [...new Set(stats.sends.map((p) => p.provider))].sort();
  const color = (i: number) => palette[i % palette.length] as string;

  const sendsChart = lineChart(
    'Messages accepted per second, per provider',
    providers.map((provider, i): Series => ({
      name: provider,
      color: color(i),
      points: perSecond(
        bySecond(
          stats.sends.filter((p) => p.provider === provider),
          (p) => p.sent,
        ),
        until,
      ),
    })),
    {
      yUnit: 'messages/s',
      xMax,
      ...withBand,
      marks: marksOf(stats, { failovers: true }).filter(
        (m) => m.kind !== 'pause' && m.kind !== 'resume',
      ),
    },
  );
  const deliveredChart = lineChart(
    'Delivered per second, per mailbox provider',
    profiles.map((profile, i): Series => ({
      name: profile,
      color: color(i),
      points: perSecond(
        bySecond(
          stats.timeline.filter((p) => p.profile === profile),
          (p) => p.delivered,
        ),
        until,
      ),
    })),
    {
      yUnit: 'messages/s',
      xMax,
      ...withBand,
      marks: marksOf(stats, { failovers: false }),
    },
  );
  const suppressionChart = lineChart(
    'Suppression list size',
    [
      {
        name: 'addresses on the list',
        color: '#dc2626',
        points: [
          [0, stats.preSuppressed ?? 0],
          ...stats.suppression.map((s): [number, number] => [s.second, s.size]),
          [until, stats.suppression.at(-1)?.size ?? 0],
        ],
      },
    ],
    {
      yUnit: 'addresses',
      xMax,
      ...withBand,
      marks: marksOf(stats, { failovers: false }).filter((m) => m.kind === 'alert'),
    },
  );
  const profileCharts = profiles
    .map((profile, i) => {
      const points = stats.timeline.filter((p) => p.profile === profile);
      return lineChart(
        `${profile}: delivered and deferred per second`,
        [
          {
            name: 'delivered',
            color: color(i),
            points: perSecond(
              bySecond(points, (p) => p.delivered),
              until,
            ),
          },
          {
            name: 'deferral events',
            color: color(i),
            dashed: true,
            points: perSecond(
              bySecond(points, (p) => p.deferred),
              until,
            ),
          },
        ],
        {
          yUnit: 'per second',
          xMax,
          ...withBand,
          marks: marksOf(stats, { profile, failovers: false }),
        },
      );
    })
    .join('');

  const figures = headline(stats)
    .map(
      (h) =>
        `<div class="figure" data-key="${escape(h.key)}"><div class="value">${escape(number(h.value))}${h.share === undefined ? '' : ` <span class="share">${percent(h.share)}</span>`}</div><div class="label">${escape(h.label)}</div><div class="note">${escape(h.note)}</div></div>`,
    )
    .join('');
  const list = (items: string[]) =>
    items.length === 0
      ? '<p class="muted">none</p>'
      : `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
  const failoverGroups = [
    ...stats.failovers
      .reduce((m, f) => {
        const key = `${f.from} → ${f.to} (${f.reason})`;
        const g = m.get(key) ?? { first: f.second, last: f.second, n: 0 };
        g.n += 1;
        g.last = f.second;
        return m.set(key, g);
      }, new Map<string, { first: number; last: number; n: number }>())
      .entries(),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5rem auto;max-width:1100px;color:#111827;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:2rem}
.headline{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6rem;margin:1rem 0}
.figure{border:1px solid #e5e7eb;border-radius:8px;padding:.5rem .7rem}
.figure .value{font-size:1.5rem;font-weight:650;font-variant-numeric:tabular-nums}
.figure .share{font-size:.9rem;font-weight:500;color:#4b5563}
.figure .label{font-weight:600}.figure .note{font-size:.8rem;color:#4b5563}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(520px,100%),1fr));gap:1rem}
figure{margin:0}.chart>svg{width:100%;height:auto;display:block}
.legend{list-style:none;padding:0;margin:.2rem 0 0 0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.8rem}
.legend li{display:flex;align-items:center;gap:.3rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}th:first-child{text-align:left}
.muted{color:#4b5563}h3{font-size:1rem;margin-top:1.2rem}.reason,.breach{border-left:3px solid #dc2626;padding-left:.6rem}
</style></head><body>
<h1>${escape(title)}</h1>
<p class="muted">${number(stats.recipients)} recipients, started ${escape(stats.startedAt.toISOString())}. ${escape(where)} Shares are of the ${number(stats.recipients)} recipients; every figure counts messages, not events.</p>
${options.campaign ? renderCampaignSection(options.campaign) : ''}
<section class="headline" aria-label="Headline numbers">${figures}</section>
<h2>Over time</h2><div class="charts">${sendsChart}${deliveredChart}${suppressionChart}${profileCharts}</div>
${table('Per provider', stats.byProvider, 'Messages, by the provider that accepted them; "deferred" counts each message deferred at least once (it may also be counted as delivered).')}
${table('Per mailbox provider (throttle profile)', stats.byProfile, 'Messages, by the recipient’s mailbox provider.')}
${table('Per stream', stats.byStream, 'Messages, by stream.')}
<h2>Failovers</h2>${list(failoverGroups.map(([key, g]) => `${g.first.toFixed(1)}–${g.last.toFixed(1)} s · ${escape(key)} · ${g.n} message${g.n === 1 ? '' : 's'}`))}
<h2>Throttle changes</h2>${list(stats.throttle.map((t) => `${t.second.toFixed(1)} s · <b>${escape(t.profile)}</b> · ${escape(t.reason)} · ${escape(t.detail)}`))}
<h2>Circuit breaker</h2>${list(stats.circuits.map((c) => `${c.second.toFixed(1)} s · ${escape(c.provider)} ${escape(c.state)} · ${escape(c.reason)}`))}
<h2>Health alerts</h2>${list(stats.alerts.map((a) => `${a.second.toFixed(1)} s · ${escape(a.type)} · ${escape(a.message)}`))}
</body></html>
`;
}
