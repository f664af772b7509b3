import { describe, expect, it } from 'vitest';
import { formatReport } from './format.ts';
import { exitCodeFor, type DomainReport } from './report.ts';

const report: DomainReport = {
  domain: 'news.example.com',
  organizationalDomain: 'example.com',
  status: 'fail',
  checks: [
    {
      id: 'spf.record',
      area: 'spf',
      subject: 'send.news.example.com',
      title: 'SPF record',
      status: 'pass',
      evidence: ['TXT send.news.example.com: "v=spf1 include:amazonses.com ~all"'],
    },
    {
      id: 'dmarc.policy',
      area: 'dmarc',
      subject: '_dmarc.example.com',
      title: 'DMARC policy',
      status: 'warn',
      evidence: ['p=none'],
      fix: 'p=none only monitors.',
    },
    {
      id: 'mx.records',
      area: 'mx',
      subject: 'news.example.com',
      title: 'MX of the sending domain',
      status: 'fail',
      evidence: ['MX news.example.com: 0 .'],
      fix: 'Remove the null MX.',
    },
  ],
};

describe('formatReport', () => {
  it('renders a plain table with evidence and fix under each row that does not pass', () => {
    expect(formatReport(report)).toBe(
      [
        'relaykit doctor: news.example.com (organisational domain example.com): FAIL (1 pass, 1 warn, 1 fail)',
        '',
        '      AREA   CHECK                     SUBJECT',
        'PASS  spf    SPF record                send.news.example.com',
        'WARN  dmarc  DMARC policy              _dmarc.example.com',
        '      found: p=none',
        '      fix: p=none only monitors.',
        'FAIL  mx     MX of the sending domain  news.example.com',
        '      found: MX news.example.com: 0 .',
        '      fix: Remove the null MX.',
        '',
      ].join('\n'),
    );
  });

  it('colours statuses only when asked', () => {
    expect(formatReport(report)).not.toContain('\u001B[');
    const coloured = formatReport(report, { color: true });
    expect(coloured).toContain('\u001B[32mPASS\u001B[0m');
    expect(coloured).toContain('\u001B[33mWARN\u001B[0m');
    expect(coloured).toContain('\u001B[31mFAIL\u001B[0m');
  });
});

describe('exitCodeFor', () => {
  it('is 0 / 1 / 2 for the worst of pass / warn / fail across domains', () => {
    expect(exitCodeFor([])).toBe(0);
    expect(exitCodeFor([{ ...report, status: 'pass' }])).toBe(0);
    expect(
      exitCodeFor([
        { ...report, status: 'pass' },
        { ...report, status: 'warn' },
      ]),
    ).toBe(1);
    expect(exitCodeFor([{ ...report, status: 'warn' }, report])).toBe(2);
  });
});
