import type { CampaignProgress } from '@relaykit/core';
import { describe, expect, it } from 'vitest';
import { CsvFormatError } from '../suppression/csv.ts';
import { createProgressLine } from './progress.ts';
import { readRecipientsCsv } from './recipients.ts';

describe('readRecipientsCsv', () => {
  it('takes the address column and makes every other column template data, by its header name', () => {
    const list = readRecipientsCsv(
      '\uFEFFName;Email Address;plan;\r\nAnn;ann@x.test;pro;\r\n"Bo; Jr";bo@y.test;"free ""trial""";\r\n\r\n',
    );
    expect(list.columns).toEqual(['Name', 'plan']);
    expect(list.recipients).toEqual([
      { address: 'ann@x.test', data: { Name: 'Ann', plan: 'pro' } },
      { address: 'bo@y.test', data: { Name: 'Bo; Jr', plan: 'free "trial"' } },
    ]);
  });

  it('refuses two columns of one name, and a list with a header only', () => {
    expect(() => readRecipientsCsv('email,name,name\na@x.test,A,B\n')).toThrow(
      /line 1: two columns are named 'name'/u,
    );
    expect(() => readRecipientsCsv('email\n')).toThrow(CsvFormatError);
    expect(() => readRecipientsCsv('email\n')).toThrow(/no recipients after the header/u);
    expect(() => readRecipientsCsv('email,name\n,Ann\n')).toThrow(/line 2: no address/u);
  });
});

describe('campaign progress without a terminal', () => {
  const progress = (over: Partial<CampaignProgress>): CampaignProgress => ({
    id: 'c',
    phase: 'releasing',
    total: 10,
    released: 0,
    sent: 0,
    suppressed: 0,
    rejected: 0,
    failed: 0,
    pending: 0,
    delivered: 0,
    bounced: 0,
    complained: 0,
    deferred: 0,
    ...over,
  });

  it('prints every change of phase or pause, counts at most once a second, and the last state', () => {
    const lines: string[] = [];
    let now = 0;
    const view = createProgressLine(
      { write: (t: string) => lines.push(t), isTTY: false },
      { live: true, now: () => now },
    );
    view.update(progress({ phase: 'canary' }));
    view.update(progress({ phase: 'canary', released: 2 }));
    now = 500;
    view.update(progress({ phase: 'canary', released: 3 }));
    view.update(progress({ phase: 'holding', released: 3 }));
    view.update(progress({ phase: 'holding', released: 3, paused: 'paused by the caller' }));
    now = 1600;
    view.update(
      progress({ phase: 'holding', released: 3, sent: 3, paused: 'paused by the caller' }),
    );
    view.update(
      progress({
        phase: 'holding',
        released: 3,
        sent: 3,
        delivered: 1,
        paused: 'paused by the caller',
      }),
    );
    view.done();
    expect(lines.map((l) => l.slice(0, l.indexOf(' · sent')))).toEqual([
      '[canary] released 0/10',
      '[holding] released 3/10',
      '[holding, paused: paused by the caller] released 3/10',
      '[holding, paused: paused by the caller] released 3/10',
      '[holding, paused: paused by the caller] released 3/10',
    ]);
    expect(lines.at(-1)).toContain('delivered 1');
  });
});
