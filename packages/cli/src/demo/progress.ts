import { createLogUpdate } from 'log-update';
import type { DemoStats } from './stats.ts';

export interface ProgressTotals {
  byStream: Record<string, number>;
  byProfile: Record<string, number>;
}

export interface ProgressOut {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

const n = (value: number) => value.toLocaleString('en-US');

const bar = (done: number, total: number, width: number) => {
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
};

/** Messages whose story has ended: every outcome that settles a recipient in the demo. */
const settled = (c: {
  delivered: number;
  bounced: number;
  suppressed: number;
  rejected: number;
  failed: number;
}) => c.delivered + c.bounced + c.suppressed + c.rejected + c.failed;

/** Cuts a line to the terminal's width (one column spare, so no terminal wraps it). */
export const fit = (line: string, columns: number): string =>
  [...line].length < columns ? line : `${[...line].slice(0, columns - 2).join('')}…`;

/**
 * The live block: a headline, then a bar per stream and per mailbox-provider profile. Every line
 * fits `columns` (80 by default), so a redraw never leaves wrapped pieces behind.
 */
export function renderProgress(
  stats: DemoStats,
  totals: ProgressTotals,
  stage: string,
  columns = 80,
): string[] {
  const t = stats.totals;
  const width = Math.max(10, Math.min(20, columns - 56));
  const paused = new Map<string, boolean>();
  for (const e of stats.throttle) {
    if (e.reason === 'pause') paused.set(e.profile, true);
    if (e.reason === 'resume') paused.set(e.profile, false);
  }
  const row = (label: string, done: number, total: number, extra: string) =>
    `  ${label.slice(0, 16).padEnd(16)} ${bar(done, total, width)} ${n(done).padStart(6)}/${n(total).padEnd(6)}${extra}`;
  const lines = [
    `${stage} · sent ${n(Math.max(t.sent, stats.accepted ?? 0))}/${n(stats.recipients)} · delivered ${n(t.delivered)} · deferred ${n(t.deferred)} · bounced ${n(t.bounced)}`,
    'streams',
  ];
  for (const [stream, total] of Object.entries(totals.byStream)) {
    const c = stats.byStream[stream];
    lines.push(row(stream, c ? settled(c) : 0, total, ''));
  }
  lines.push('mailbox providers');
  for (const [profile, total] of Object.entries(totals.byProfile)) {
    const c = stats.byProfile[profile];
    lines.push(
      row(profile, c ? settled(c) : 0, total, paused.get(`profile ${profile}`) ? ' paused' : ''),
    );
  }
  return lines.map((l) => fit(l, columns));
}

export interface ProgressView {
  /** A new stage: one line of its own (and, on a terminal, the live block below it). */
  stage(text: string): void;
  /** Redraws the live block (terminal only). */
  draw(lines: string[]): void;
  /** Leaves the last block on screen and gives the cursor back. */
  done(): void;
}

/**
 * On a terminal, log-update redraws the block in place (it erases exactly the lines it drew, and
 * hides the cursor meanwhile); elsewhere (CI, a pipe, a file) each stage is one line and nothing is
 * redrawn.
 */
export function createProgressView(out: ProgressOut, live: boolean): ProgressView {
  if (!live || out.isTTY !== true) {
    return {
      stage: (text) => void out.write(`${text}\n`),
      draw: () => undefined,
      done: () => undefined,
    };
  }
  const update = createLogUpdate(out as unknown as NodeJS.WriteStream, { showCursor: false });
  let last: string[] = [];
  let finished = false;
  return {
    stage(text) {
      if (finished) {
        out.write(`${text}\n`);
        return;
      }
      // The stage line goes above the block: erase the block, print, draw it again below.
      update.clear();
      out.write(`${text}\n`);
      if (last.length > 0) update(last.join('\n'));
    },
    draw(lines) {
      if (finished) return;
      last = lines;
      update(lines.join('\n'));
    },
    done() {
      if (finished) return;
      finished = true;
      if (last.length > 0) update.done();
    },
  };
}
