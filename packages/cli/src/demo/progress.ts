import type { DemoStats } from './stats.ts';

export interface ProgressTotals {
  byStream: Record<string, number>;
  byProfile: Record<string, number>;
}

const bar = (done: number, total: number, width = 28) => {
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
};

/** Settled recipients: every outcome that ends a recipient's story in the demo. */
const settled = (c: {
  delivered: number;
  bounced: number;
  suppressed: number;
  rejected: number;
  failed: number;
}) => c.delivered + c.bounced + c.suppressed + c.rejected + c.failed;

/** The progress block: a bar per stream and per mailbox-provider profile. */
export function renderProgress(stats: DemoStats, totals: ProgressTotals): string[] {
  const lines: string[] = [];
  const row = (label: string, done: number, total: number, extra: string) =>
    `  ${label.padEnd(16)} ${bar(done, total)} ${String(done).padStart(5)}/${String(total).padEnd(5)} ${extra}`;
  lines.push('streams');
  for (const [stream, total] of Object.entries(totals.byStream)) {
    const c = stats.byStream[stream];
    lines.push(
      row(
        stream,
        c ? settled(c) : 0,
        total,
        c ? `deferred ${c.deferred} · bounced ${c.bounced} · suppressed ${c.suppressed}` : '',
      ),
    );
  }
  lines.push('mailbox providers');
  for (const [profile, total] of Object.entries(totals.byProfile)) {
    const c = stats.byProfile[profile];
    lines.push(
      row(
        profile,
        c ? settled(c) : 0,
        total,
        c ? `deferred ${c.deferred} · bounced ${c.bounced}` : '',
      ),
    );
  }
  return lines;
}

/** Redraws the block in place on a terminal; elsewhere prints a line now and then. */
export function createProgressView(
  out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown },
  enabled: boolean,
) {
  let drawn = 0;
  let lastPlain = 0;
  return {
    draw(lines: string[], force = false) {
      if (!enabled) return;
      if (out.isTTY) {
        out.write(
          `${drawn > 0 ? `\u001b[${drawn}A` : ''}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n`,
        );
        drawn = lines.length;
      } else if (force || Date.now() - lastPlain > 3000) {
        lastPlain = Date.now();
        out.write(`${lines.join('\n')}\n`);
      }
    },
  };
}
