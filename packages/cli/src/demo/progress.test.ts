import { describe, expect, it } from 'vitest';
import { createProgressView, renderProgress } from './progress.ts';
import { createStats } from './stats.ts';

const esc = String.fromCharCode(27);
const strip = (s: string) => s.replace(new RegExp(`${esc}\\[[0-9;?]*[A-Za-z]`, 'gu'), '');

describe('renderProgress', () => {
  it('fits every line in 80 columns, whatever the names and counts', () => {
    const stats = createStats(123_456);
    stats.count('delivered', 'a@x', {
      profile: 'a-very-long-company-domain.example',
      stream: 'transactional-receipts',
    });
    stats.throttle.push({ second: 1, profile: 'profile google', reason: 'pause', detail: '' });
    const lines = renderProgress(
      stats,
      {
        byStream: { 'transactional-receipts': 100_000, outreach: 23_456 },
        byProfile: { google: 99_999, 'a-very-long-company-domain.example': 23_457 },
      },
      'sending',
      80,
    );
    expect(lines.length).toBe(7);
    for (const line of lines) expect([...line].length).toBeLessThan(80);
    expect(lines.find((l) => l.includes('google'))).toMatch(/paused$/u);
  });
});

describe('createProgressView', () => {
  it('on a terminal, redraws the block in place through log-update (erasing what it drew)', () => {
    const writes: string[] = [];
    const out = { isTTY: true, columns: 80, rows: 40, write: (s: string) => writes.push(s) };
    const view = createProgressView(out, true);
    view.draw(['one', 'two']);
    view.draw(['three', 'four']);
    view.stage('[  1.0 s] a stage');
    view.done();
    const text = writes.join('');
    // The second frame erases the two lines of the first before drawing (ESC[2K, cursor up).
    expect(text).toContain(`${esc}[2K${esc}[1A${esc}[2K`);
    expect(strip(text)).toContain('three\nfour');
    expect(strip(text)).toContain('[  1.0 s] a stage\n');
    // After done, a stage is one plain line: the last block is not drawn again.
    writes.length = 0;
    view.stage('[  2.0 s] report written');
    expect(writes).toEqual(['[  2.0 s] report written\n']);
  });

  it('elsewhere, prints one line per stage and never draws bars', () => {
    const writes: string[] = [];
    const view = createProgressView({ isTTY: false, write: (s) => writes.push(s) }, true);
    view.stage('[  0.0 s] sending 10 messages');
    view.draw(['████']);
    view.stage('[  1.0 s] report written');
    view.done();
    expect(writes).toEqual(['[  0.0 s] sending 10 messages\n', '[  1.0 s] report written\n']);
  });
});

describe('renderTextReport', () => {
  it('puts the headline first and keeps the throttle and alert lines in 80 columns', async () => {
    const { renderTextReport } = await import('./report.ts');
    const stats = createStats(10, new Date(Date.now() - 5000));
    stats.count('sent', 'a@x.test', { provider: 'ses' });
    stats.throttle.push({
      second: 1,
      profile: 'profile google',
      reason: 'pause',
      detail: 'x'.repeat(200),
    });
    stats.alerts.push({ second: 2, type: 'health-warning', message: 'y'.repeat(200) });
    stats.finishedAt = new Date();
    const text = renderTextReport(stats, { suppressed: 0, followUp: { attempted: 0, dropped: 0 } });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Done: 10 recipients in /u);
    expect(lines[1]).toMatch(/^ {2}sent +1 +10% {2}messages accepted by a provider$/u);
    for (const line of lines.filter((l) => l.includes('xxx') || l.includes('yyy')))
      expect([...line].length).toBeLessThan(80);
  });
});
