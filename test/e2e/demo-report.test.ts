import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runDemo, type DemoResult } from 'relaykit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/browser.ts';

/** The one place this suite starts a browser. */
async function launchChromium(skip: (note: string) => never): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumOrSkip(skip),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

describe('relaykit demo and its report', () => {
  let result: DemoResult;
  let output = '';
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-demo-test-'));

  beforeAll(async () => {
    result = await runDemo({
      recipients: 1400,
      dir,
      outageSeconds: 3,
      progress: false,
      out: { write: (s: string) => (output += s) },
    });
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every recipient an outcome and reports per provider, profile and stream', () => {
    const t = result.stats.totals;
    // At least one outcome each (a send that timed out may be both failed and, later, delivered).
    expect(t.delivered + t.bounced + t.suppressed + t.rejected + t.failed).toBeGreaterThanOrEqual(
      1400,
    );
    expect(t.sent + t.suppressed + t.rejected + t.failed).toBe(1400);
    expect(Object.keys(result.stats.byProvider).sort()).toEqual([
      'mailgun',
      'postmark',
      'resend',
      'ses',
    ]);
    expect(Object.keys(result.stats.byProfile)).toEqual(
      expect.arrayContaining(['google', 'microsoft', 'yahoo', 'apple']),
    );
    expect(output).toMatch(/HTML report with charts: open file:\/\//u);
  });

  it('prints the headline first, each figure with its share, and one line per stage', () => {
    const done = output.slice(output.indexOf('Done: '));
    expect(done).toMatch(/^Done: 1,400 recipients in [\d.]+ s, [\d,]+ messages\/s/u);
    for (const label of ['sent', 'delivered', 'deferred', 'bounced', 'complained', 'suppressed'])
      expect(done).toMatch(new RegExp(`\\n  ${label} +[\\d,]+ +[\\d.<]+%  `, 'u'));
    expect(done).toMatch(/deferred .*messages deferred at least once \(\d+ deferral events\)/u);
    const stages = output.split('\n').filter((l) => /^\[ *[\d.]+ s\] /u.test(l));
    expect(stages.length).toBeGreaterThanOrEqual(4);
    // No progress bars and no cursor control in a pipe.
    expect(output).not.toContain('█');
    expect(output).not.toContain('\u001B[');
  });

  it('counts complaints and sends to already-suppressed addresses as what they are', () => {
    expect(result.stats.totals.complained).toBeGreaterThan(0);
    expect(result.stats.totals.suppressed).toBe(result.preSuppressed);
    expect(result.preSuppressed).toBeGreaterThan(0);
    // Deferred counts messages: never more than were sent, and fewer than the deferral events.
    expect(result.stats.totals.deferred).toBeGreaterThan(0);
    expect(result.stats.totals.deferred).toBeLessThanOrEqual(result.stats.totals.sent);
    expect(result.stats.deferralEvents).toBeGreaterThan(result.stats.totals.deferred);
  });

  it('fails transactional mail over to SES while Postmark is down', () => {
    expect(result.stats.failovers.some((f) => f.from === 'postmark' && f.to === 'ses')).toBe(true);
    expect(result.stats.failedOver).toBeGreaterThan(0);
  });

  it('cuts the Google profile on a burst of 4.7.28 deferrals and relaxes it again', () => {
    const google = result.stats.throttle.filter((t) => t.profile === 'profile google');
    expect(google.some((t) => t.reason === 'pause')).toBe(true);
    expect(google.some((t) => t.reason === 'resume')).toBe(true);
  });

  it('keeps state in SQLite and never mails a suppressed address again', () => {
    expect(statSync(result.database).size).toBeGreaterThan(0);
    expect(result.suppressed).toBeGreaterThan(0);
    expect(result.followUp.attempted).toBeGreaterThan(0);
    expect(result.followUp.dropped).toBe(result.followUp.attempted);
    expect(result.followUp.providerCalls).toBe(0);
  });

  describe('in headless Chromium', () => {
    let browser: Browser | undefined;
    const errors: string[] = [];
    const open = async (width: number, height: number): Promise<Page> => {
      const page = await (browser as Browser).newPage({ viewport: { width, height } });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${result.report}`);
      return page;
    };
    // Every test here needs the browser: each one skips, with the note, where there is none.
    beforeEach(async (ctx) => {
      browser ??= await launchChromium((note) => ctx.skip(note) as never);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('shows the headline numbers first, with their shares, matching the run', async () => {
      const page = await open(1280, 900);
      const figures = await page.$$eval('.headline .figure', (nodes) =>
        nodes.map((n) => ({
          key: n.getAttribute('data-key'),
          value: n.querySelector('.value')?.childNodes[0]?.textContent?.trim(),
          share: n.querySelector('.share')?.textContent,
          top: n.getBoundingClientRect().top,
        })),
      );
      expect(figures.map((f) => f.key)).toEqual([
        'sent',
        'delivered',
        'deferred',
        'bounced',
        'complained',
        'suppressed',
        'failed-over',
        // Shown only when a message failed (a provider timing out on a loaded machine).
        ...(result.stats.totals.failed > 0 ? ['failed'] : []),
        'rate',
        'duration',
      ]);
      const t = result.stats.totals;
      const shown = Object.fromEntries(figures.map((f) => [f.key, f.value]));
      expect(shown['sent']).toBe(t.sent.toLocaleString('en-US'));
      expect(shown['complained']).toBe(String(t.complained));
      expect(shown['suppressed']).toBe(String(t.suppressed));
      expect(Number(shown['complained'])).toBeGreaterThan(0);
      expect(
        figures
          .filter((f) => f.key !== 'rate' && f.key !== 'duration')
          .every((f) => /^(<?[\d.]+)%$/u.test(f.share ?? '')),
      ).toBe(true);
      // First on the page: above every chart.
      const firstChart = await page.$eval('figure.chart', (n) => n.getBoundingClientRect().top);
      expect(Math.max(...figures.map((f) => f.top))).toBeLessThan(firstChart);
      await page.close();
    }, 60_000);

    it('marks the outage, failovers, throttle pauses and resumes, and alerts, with a legend', async () => {
      const page = await open(1280, 900);
      for (const kind of ['outage', 'failover', 'pause', 'resume', 'alert']) {
        expect(await page.locator(`svg [data-mark="${kind}"]`).count(), kind).toBeGreaterThan(0);
        expect(await page.locator(`.legend [data-legend="${kind}"]`).count(), kind).toBeGreaterThan(
          0,
        );
      }
      expect(await page.locator('.legend li').first().isVisible()).toBe(true);
      await page.close();
    }, 60_000);

    it('labels the axes with round ticks and units', async () => {
      const page = await open(1280, 900);
      const charts = await page.$$eval('figure.chart > svg', (svgs) =>
        svgs.map((svg) => [...svg.querySelectorAll('text')].map((t) => t.textContent ?? '')),
      );
      expect(charts.length).toBeGreaterThanOrEqual(6);
      for (const texts of charts) {
        const xs = texts.filter((t) => /^\d+(\.\d)? s$/u.test(t)).map((t) => Number.parseFloat(t));
        expect(xs[0]).toBe(0);
        const step = (xs[1] ?? 0) - (xs[0] ?? 0);
        expect(step / 10 ** Math.floor(Math.log10(step))).toSatisfy((m: number) =>
          [1, 2, 5].includes(m),
        );
        xs.forEach((x, i) => expect(x).toBeCloseTo(i * step, 6));
        expect(texts.some((t) => /messages\/s|addresses|per second/u.test(t))).toBe(true);
        expect(texts).toContain('seconds since the start');
      }
      await page.close();
    }, 60_000);

    it('fits a phone-sized viewport and logs no errors', async () => {
      const page = await open(390, 844);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      const chartWidth = await page.$eval(
        'figure.chart > svg',
        (n) => n.getBoundingClientRect().width,
      );
      expect(chartWidth).toBeLessThanOrEqual(390);
      await page.close();
      expect(errors).toEqual([]);
    }, 60_000);
  });
});
