import { countColumns, type Counts, type DemoStats } from './stats.ts';

const escape = (s: string) => s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);

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

interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

/** A self-contained SVG line chart: no script, no external assets, so the file renders anywhere. */
export function lineChart(
  title: string,
  series: Series[],
  options: { width?: number; height?: number; yLabel?: string } = {},
): string {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const pad = { left: 48, right: 16, top: 28, bottom: 36 };
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const maxX = Math.max(1, ...xs);
  const maxY = Math.max(1, ...ys);
  const sx = (x: number) => pad.left + (x / maxX) * (width - pad.left - pad.right);
  const sy = (y: number) => height - pad.bottom - (y / maxY) * (height - pad.top - pad.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(maxY * f));
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e7eb"/><text x="${pad.left - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="11" fill="#6b7280">${t}</text>`,
    )
    .join('');
  const xTicks = Array.from({ length: 6 }, (_, i) => Math.round((maxX * i) / 5))
    .map(
      (t) =>
        `<text x="${sx(t)}" y="${height - pad.bottom + 16}" text-anchor="middle" font-size="11" fill="#6b7280">${t}s</text>`,
    )
    .join('');
  const lines = series
    .filter((s) => s.points.length > 0)
    .map((s) => {
      const d = s.points
        .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(' ');
      return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}><title>${escape(s.name)}</title></path>`;
    })
    .join('');
  // Each legend entry is placed after the previous one's text (about 6.5 px a character at 11 px).
  const offsets = series.reduce<number[]>(
    (acc, _s, i) => [
      ...acc,
      i === 0 ? 0 : (acc[i - 1] as number) + 40 + (series[i - 1]?.name.length ?? 0) * 6.5,
    ],
    [],
  );
  const legend = series
    .map(
      (s, i) =>
        `<g transform="translate(${pad.left + (offsets[i] as number)},${height - 8})"><line x1="0" x2="18" y1="-4" y2="-4" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="24" y="0" font-size="11">${escape(s.name)}</text></g>`,
    )
    .join('');
  return `<figure><svg class="chart" role="img" aria-label="${escape(title)}" viewBox="0 0 ${width} ${height + 14}" width="${width}" height="${height + 14}" xmlns="http://www.w3.org/2000/svg">
<text x="${pad.left}" y="16" font-size="13" font-weight="600">${escape(title)}</text>${options.yLabel ? `<text x="4" y="16" font-size="10" fill="#6b7280">${escape(options.yLabel)}</text>` : ''}
${grid}${xTicks}<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#9ca3af"/>${lines}${legend}</svg></figure>`;
}

const columns = countColumns;

function table(title: string, rows: Record<string, Counts>): string {
  const head = `<tr><th></th>${columns.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  const body = Object.entries(rows)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, c]) =>
        `<tr><th>${escape(name)}</th>${columns.map((k) => `<td>${c[k]}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h2>${escape(title)}</h2><table>${head}${body}</table>`;
}

/** Deliveries and deferrals per second for one profile, as chart series. */
function profileSeries(stats: DemoStats, profile: string, color: string): Series[] {
  const points = stats.timeline
    .filter((p) => p.profile === profile)
    .sort((a, b) => a.second - b.second);
  return [
    { name: `${profile} delivered/s`, color, points: points.map((p) => [p.second, p.delivered]) },
    {
      name: `${profile} deferred/s`,
      color,
      dashed: true,
      points: points.map((p) => [p.second, p.deferred]),
    },
  ];
}

/** The demo's report as one HTML file with inline SVG charts. */
export function renderHtmlReport(stats: DemoStats): string {
  const profiles = [...new Set(stats.timeline.map((p) => p.profile))].sort();
  const charts = profiles
    .map((profile, i) =>
      lineChart(
        `${profile}: delivered and deferred events per second`,
        profileSeries(stats, profile, palette[i % palette.length] as string),
      ),
    )
    .join('');
  const overall = lineChart(
    'Delivered events per second, per mailbox provider',
    profiles.map((profile, i) => ({
      name: profile,
      color: palette[i % palette.length] as string,
      points: stats.timeline
        .filter((p) => p.profile === profile)
        .sort((a, b) => a.second - b.second)
        .map((p) => [p.second, p.delivered] as [number, number]),
    })),
  );
  const suppression = lineChart('Suppression list size', [
    {
      name: 'suppressed addresses',
      color: '#dc2626',
      points: stats.suppression.map((s) => [s.second, s.size]),
    },
  ]);
  const duration = ((stats.finishedAt ?? new Date()).getTime() - stats.startedAt.getTime()) / 1000;
  const list = (items: string[]) =>
    items.length === 0
      ? '<p class="muted">none</p>'
      : `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>relaykit demo report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#111827;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #e5e7eb;text-align:right}th:first-child{text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:1rem}figure{margin:0}.chart{max-width:100%;height:auto}
.muted{color:#6b7280}
</style></head><body>
<h1>relaykit demo report</h1>
<p>${stats.recipients} recipients in ${duration.toFixed(1)} s, started ${escape(stats.startedAt.toISOString())}. Everything ran on this machine against the relaykit simulator.</p>
<h2>Over time</h2><div class="charts">${overall}${suppression}${charts}</div>
${table('Per provider', stats.byProvider)}
${table('Per mailbox provider (throttle profile)', stats.byProfile)}
${table('Per stream', stats.byStream)}
<h2>Throttle changes</h2>${list(stats.throttle.map((t) => `${t.second.toFixed(1)} s · <b>${escape(t.profile)}</b> · ${escape(t.reason)} · ${escape(t.detail)}`))}
<h2>Failovers</h2>${list(stats.failovers.map((f) => `${f.second.toFixed(1)} s · ${escape(f.from)} → ${escape(f.to)} · ${escape(f.reason)}`))}
<h2>Circuit breaker</h2>${list(stats.circuits.map((c) => `${c.second.toFixed(1)} s · ${escape(c.provider)} ${escape(c.state)} · ${escape(c.reason)}`))}
<h2>Alerts</h2>${list(stats.alerts.map((a) => `${a.second.toFixed(1)} s · ${escape(a.message)}`))}
</body></html>
`;
}
