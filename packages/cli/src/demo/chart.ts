/**
 * Self-contained SVG line charts for the demo report: no script, no external assets, so the file
 * renders anywhere. Axes have round ticks with units; incidents are marked on the time axis and
 * explained in a legend under the chart.
 */

export const escape = (s: string): string => s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export type MarkKind = 'failover' | 'pause' | 'resume' | 'alert';

export interface Mark {
  kind: MarkKind;
  /** Seconds since the start. */
  at: number;
  /** Hover text. */
  label: string;
}

export interface Band {
  from: number;
  until: number;
  label: string;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  /** The y axis's unit, e.g. `events/s`. */
  yUnit: string;
  /** The x axis's extent in seconds (so every chart of the report shares one time axis). */
  xMax?: number;
  band?: Band;
  marks?: readonly Mark[];
}

/** How each incident looks, on the chart and in the legend. */
export const markStyle: Record<MarkKind, { color: string; name: string }> = {
  failover: { color: '#7c3aed', name: 'failover (one tick per message)' },
  pause: { color: '#dc2626', name: 'throttle pause' },
  resume: { color: '#16a34a', name: 'throttle resume' },
  alert: { color: '#d97706', name: 'alert (health, sender blocked)' },
};
const bandColor = '#fee2e2';

/**
 * Round tick values from 0 covering `max`: steps of 1, 2 or 5 times a power of ten, about `count`
 * of them, so the axis reads 0, 50, 100, 150 rather than 0, 37, 74, 111.
 */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function markShape(kind: MarkKind, x: number, top: number, bottom: number): string {
  const { color } = markStyle[kind];
  switch (kind) {
    case 'failover':
      return `<line x1="${x}" x2="${x}" y1="${bottom - 10}" y2="${bottom}" stroke="${color}" stroke-width="1.5"/>`;
    case 'pause':
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${color}" stroke-dasharray="3 3"/><path d="M${x - 5},${top - 9} L${x + 5},${top - 9} L${x},${top - 1} Z" fill="${color}"/>`;
    case 'resume':
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="${color}" stroke-dasharray="3 3"/><path d="M${x - 5},${top - 1} L${x + 5},${top - 1} L${x},${top - 9} Z" fill="${color}"/>`;
    case 'alert':
      return `<path d="M${x},${top - 10} L${x + 5},${top - 5} L${x},${top} L${x - 5},${top - 5} Z" fill="${color}"/>`;
  }
}

/** A small inline SVG swatch for a legend entry. */
function swatch(content: string): string {
  return `<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">${content}</svg>`;
}

export function lineChart(title: string, series: readonly Series[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 260;
  const pad = { left: 52, right: 16, top: 44, bottom: 40 };
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const xTicks = niceTicks(options.xMax ?? Math.max(1, ...xs), 6);
  const yTicks = niceTicks(Math.max(1, ...ys), 4);
  const maxX = xTicks.at(-1) ?? 1;
  const maxY = yTicks.at(-1) ?? 1;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sx = (x: number) => pad.left + (Math.min(Math.max(x, 0), maxX) / maxX) * plotW;
  const sy = (y: number) => pad.top + plotH - (y / maxY) * plotH;
  const top = pad.top;
  const bottom = pad.top + plotH;

  const band = options.band
    ? `<g data-mark="outage"><rect x="${sx(options.band.from).toFixed(1)}" y="${top}" width="${Math.max(1, sx(options.band.until) - sx(options.band.from)).toFixed(1)}" height="${plotH}" fill="${bandColor}"><title>${escape(options.band.label)}</title></rect><text x="${(sx(options.band.from) + 3).toFixed(1)}" y="${top + 12}" font-size="10" fill="#991b1b">${escape(options.band.label)}</text></g>`
    : '';
  const grid = yTicks
    .map(
      (t) =>
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e5e7eb"/><text x="${pad.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#4b5563">${fmt(t)}</text>`,
    )
    .join('');
  const xAxis = xTicks
    .map(
      (t) =>
        `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#9ca3af"/><text x="${sx(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="11" fill="#4b5563">${fmt(t)} s</text>`,
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
  const marks = (options.marks ?? [])
    .map(
      (m) =>
        `<g data-mark="${m.kind}">${markShape(m.kind, Number(sx(m.at).toFixed(1)), top, bottom)}<title>${escape(m.label)}</title></g>`,
    )
    .join('');

  const kinds = [...new Set((options.marks ?? []).map((m) => m.kind))];
  const legend = [
    ...series.map(
      (s) =>
        `<li>${swatch(`<line x1="1" x2="21" y1="7" y2="7" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`)}${escape(s.name)}</li>`,
    ),
    ...(options.band
      ? [
          `<li data-legend="outage">${swatch(`<rect x="1" y="1" width="20" height="12" fill="${bandColor}"/>`)}${escape(options.band.label)}</li>`,
        ]
      : []),
    ...kinds.map(
      (k) =>
        `<li data-legend="${k}">${swatch(markShape(k, 11, 12, 13))}${escape(markStyle[k].name)}</li>`,
    ),
  ].join('');

  return `<figure class="chart"><svg role="img" aria-label="${escape(title)}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<text x="4" y="14" font-size="13" font-weight="600">${escape(title)}</text><text x="4" y="${top - 16}" font-size="10" fill="#4b5563">${escape(options.yUnit)}</text>
${band}${grid}${xAxis}<line x1="${pad.left}" x2="${pad.left}" y1="${top}" y2="${bottom}" stroke="#9ca3af"/><line x1="${pad.left}" x2="${width - pad.right}" y1="${bottom}" y2="${bottom}" stroke="#9ca3af"/><text x="${width - pad.right}" y="${height - 4}" text-anchor="end" font-size="10" fill="#4b5563">seconds since the start</text>${lines}${marks}</svg><figcaption><ul class="legend">${legend}</ul></figcaption></figure>`;
}

/**
 * Per-second counts as a rate series: every second from 0 filled (0 where nothing happened), and
 * the last, partial second folded into the one before it (its count over its real length), so
 * the line does not plunge at the end because the run stopped mid-second.
 */
export function perSecond(
  counts: ReadonlyMap<number, number>,
  observedUntil: number,
): Array<[number, number]> {
  const whole = Math.floor(observedUntil);
  const tail = observedUntil - whole;
  const points: Array<[number, number]> = [];
  for (let s = 0; s < whole; s += 1) points.push([s, counts.get(s) ?? 0]);
  const partial = counts.get(whole) ?? 0;
  if (tail > 0 && (partial > 0 || points.length === 0)) {
    const last = points.pop();
    if (last) points.push([last[0], (last[1] + partial) / (1 + tail)]);
    else points.push([0, partial / tail]);
  }
  // Each point sits in the middle of its second.
  return points.map(([s, v]) => [s + 0.5, Math.round(v * 10) / 10]);
}
