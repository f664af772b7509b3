import { describe, expect, it } from 'vitest';
import { lineChart, niceTicks, perSecond } from './chart.ts';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the maximum', () => {
    expect(niceTicks(37, 4)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(111, 4)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(43.7, 6)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0.7, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('perSecond', () => {
  it('folds the last, partial second into the one before instead of plunging', () => {
    // 10 a second for three seconds, then 2 in the 0.2 s the run lasted into its fourth.
    const points = perSecond(
      new Map([
        [0, 10],
        [1, 10],
        [2, 10],
        [3, 2],
      ]),
      3.2,
    );
    expect(points).toEqual([
      [0.5, 10],
      [1.5, 10],
      [2.5, 10],
    ]);
  });

  it('fills quiet seconds with zeros', () => {
    expect(perSecond(new Map([[2, 4]]), 3)).toEqual([
      [0.5, 0],
      [1.5, 0],
      [2.5, 4],
    ]);
  });
});

describe('lineChart', () => {
  it('marks incidents on the time axis and names each kind in the legend', () => {
    const svg = lineChart('t', [{ name: 'ses', color: '#000', points: [[0.5, 3]] }], {
      yUnit: 'messages/s',
      xMax: 10,
      band: { from: 2, until: 4, label: 'Postmark outage' },
      marks: [
        { kind: 'failover', at: 2.5, label: 'a' },
        { kind: 'pause', at: 3, label: 'b' },
        { kind: 'resume', at: 6, label: 'c' },
        { kind: 'alert', at: 7, label: '<d>' },
      ],
    });
    for (const kind of ['outage', 'failover', 'pause', 'resume', 'alert']) {
      expect(svg).toContain(`data-mark="${kind}"`);
      expect(svg).toContain(`data-legend="${kind}"`);
    }
    expect(svg).toContain('&#60;d&#62;');
    expect(svg).toContain('>messages/s<');
    expect(svg).toContain('>10 s<');
  });
});

describe('deferred then delivered', () => {
  it('counts a message once in each place, whatever order the webhooks came in', async () => {
    const { createStats } = await import('./stats.ts');
    const stats = createStats(3);
    const w = { provider: 'ses', profile: 'google', stream: 'outreach' };
    stats.count('deferred', 'a@x.test', w);
    stats.count('deferred', 'a@x.test', w); // deferred twice: one message
    stats.count('delivered', 'a@x.test', w);
    stats.count('delivered', 'b@x.test', w); // delivered first, its deferral webhook late
    stats.count('deferred', 'b@x.test', w);
    expect(stats.totals.deferred).toBe(2);
    expect(stats.totals.delivered).toBe(2);
    expect(stats.deferredThenDelivered).toBe(2);
    expect(stats.byProvider['ses']?.deferred).toBe(2);
  });
});
