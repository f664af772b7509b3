import type { CampaignProgress } from '@relaykit/core';
import { createProgressView, fit, type ProgressOut } from '../demo/progress.ts';

const n = (value: number) => value.toLocaleString('en-US');

/** One line: the phase (and why it is paused), then the counts. */
export function describeProgress(p: CampaignProgress): string {
  const phase = p.paused === undefined ? p.phase : `${p.phase}, paused: ${p.paused}`;
  return `[${phase}] released ${n(p.released)}/${n(p.total)} · sent ${n(p.sent)} · delivered ${n(p.delivered)} · bounced ${n(p.bounced)} · complained ${n(p.complained)} · deferred ${n(p.deferred)} · suppressed ${n(p.suppressed)} · failed ${n(p.failed + p.rejected)} · pending ${n(p.pending)}`;
}

export interface ProgressLine {
  update(progress: CampaignProgress): void;
  /** Prints the last state if it was not printed, and gives the terminal back. */
  done(): void;
}

/**
 * Live progress on stderr. On a terminal one line is redrawn in place (a phase change or a pause
 * keeps its line above it). Elsewhere a line is printed for every change of phase or pause, and
 * for changed counts at most once a second, so a log of a 100,000-recipient run stays readable.
 */
export function createProgressLine(
  out: ProgressOut,
  options: { live: boolean; now?: () => number; everyMs?: number },
): ProgressLine {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? 1000;
  const tty = options.live && out.isTTY === true;
  const view = createProgressView(out, tty);
  let state = '';
  let printed = '';
  let pending: CampaignProgress | undefined;
  let lastAt = -Infinity;
  const columns = () => Math.min(out.columns ?? 80, 160);
  const print = (p: CampaignProgress, stage: boolean) => {
    const text = describeProgress(p);
    pending = undefined;
    lastAt = now();
    if (text === printed) return;
    printed = text;
    if (!tty) view.stage(text);
    else if (stage) view.stage(fit(text, columns()));
    else view.draw([fit(text, columns())]);
  };
  return {
    update(p) {
      const next = `${p.phase}|${p.paused ?? ''}`;
      const changed = next !== state;
      state = next;
      if (changed || now() - lastAt >= (tty ? 100 : everyMs)) print(p, changed);
      else pending = p;
    },
    done() {
      if (pending) print(pending, false);
      view.done();
    },
  };
}
