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

describe('formatReport with a check that could not run', () => {
  it('labels it NOT CHECKED, counts it apart, and keeps the columns aligned', () => {
    const text = formatReport({
      ...report,
      status: 'unchecked',
      checks: [
        {
          id: 'dmarc.record',
          area: 'dmarc',
          subject: '_dmarc.example.com',
          title: 'DMARC record',
          status: 'unchecked',
          evidence: ['TXT _dmarc.example.com: query failed (ETIMEOUT)'],
          fix: 'Could not read _dmarc.example.com.',
        },
        { ...(report.checks[0] as DomainReport['checks'][number]) },
      ],
    });
    expect(text).toContain(': NOT CHECKED (1 pass, 0 warn, 0 fail, 1 not checked)');
    expect(text).toContain('NOT CHECKED  dmarc  DMARC record');
    expect(text).toContain('PASS         spf    SPF record');
    expect(text).toContain('             found: TXT _dmarc.example.com: query failed (ETIMEOUT)');
  });
});

describe('exitCodeFor', () => {
  it('is 0 all met, 1 some not met (warn or fail), 2 nothing known unmet but some not checked', () => {
    expect(exitCodeFor([])).toBe(0);
    expect(exitCodeFor([{ ...report, status: 'pass' }])).toBe(0);
    expect(
      exitCodeFor([
        { ...report, status: 'pass' },
        { ...report, status: 'warn' },
      ]),
    ).toBe(1);
    expect(exitCodeFor([{ ...report, status: 'warn' }, report])).toBe(1);
    expect(exitCodeFor([{ ...report, status: 'unchecked' }])).toBe(2);
    expect(exitCodeFor([{ ...report, status: 'unchecked' }, report])).toBe(1);
    expect(
      exitCodeFor([
        { ...report, status: 'unchecked' },
        { ...report, status: 'pass' },
      ]),
    ).toBe(2);
  });
});
