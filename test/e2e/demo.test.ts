import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runDemo, type DemoResult } from 'relaykit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/browser.ts';

const run = promisify(execFile);

describe('relaykit demo', () => {
  let result: DemoResult;
  let output = '';
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-demo-test-'));

  beforeAll(async () => {
    result = await runDemo({
      recipients: 1200,
      dir,
      outageSeconds: 2,
      progress: false,
      out: { write: (s: string) => (output += s) },
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every recipient an outcome and reports per provider, profile and stream', () => {
    const streams = Object.values(result.stats.byStream);
    const ended = streams.reduce(
      (n, c) => n + c.delivered + c.bounced + c.suppressed + c.rejected + c.failed,
      0,
    );
    expect(ended).toBeGreaterThanOrEqual(1200);
    expect(Object.keys(result.stats.byProvider).sort()).toEqual([
      'mailgun',
      'postmark',
      'resend',
      'ses',
    ]);
    expect(Object.keys(result.stats.byProfile)).toEqual(
      expect.arrayContaining(['google', 'microsoft', 'yahoo', 'apple']),
    );
    expect(output).toMatch(/Done: 1200 recipients/u);
    expect(output).toMatch(/HTML report with charts: open file:\/\//u);
  });

  it('fails transactional mail over to SES while Postmark is down', () => {
    expect(result.stats.failovers.some((f) => f.from === 'postmark' && f.to === 'ses')).toBe(true);
  });

  it('cuts the Google profile on a burst of 4.7.28 deferrals and relaxes it again', () => {
    const google = result.stats.throttle.filter((t) => t.profile === 'profile google');
    expect(google.some((t) => t.reason === 'pause')).toBe(true);
    expect(
      google.some(
        (t) => t.reason === 'increase' || t.reason === 'restore' || t.reason === 'resume',
      ),
    ).toBe(true);
  });

  it('keeps state in SQLite and never mails a suppressed address again', () => {
    expect(statSync(result.database).size).toBeGreaterThan(0);
    expect(result.suppressed).toBeGreaterThan(0);
    expect(result.followUp.attempted).toBeGreaterThan(0);
    expect(result.followUp.dropped).toBe(result.followUp.attempted);
    expect(result.followUp.providerCalls).toBe(0);
  });

  it('writes an HTML report whose charts render in headless Chromium', async (ctx) => {
    const chromium = chromiumOrSkip((note) => ctx.skip(note));
    const html = readFileSync(result.report, 'utf8');
    expect(html).toMatch(/<svg class="chart"/u);
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`,
    ];
    const { stdout: dom } = await run(
      chromium,
      [...flags, '--dump-dom', `file://${result.report}`],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    const charts = dom.match(/<svg class="chart"/gu) ?? [];
    const lines = dom.match(/<path d="M[\d.]+,[\d.]+ L/gu) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(6);
    expect(lines.length).toBeGreaterThanOrEqual(charts.length);
    const png = join(dir, 'report.png');
    await run(
      chromium,
      [...flags, '--window-size=1200,1600', `--screenshot=${png}`, `file://${result.report}`],
      { timeout: 60_000 },
    );
    expect(statSync(png).size).toBeGreaterThan(50_000);
  }, 120_000);
});
