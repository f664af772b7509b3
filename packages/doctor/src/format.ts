import type { DomainReport, Status } from './report.ts';

export interface FormatOptions {
  /** ANSI colours for a terminal; the CLI decides (TTY, NO_COLOR, --color). */
  color?: boolean;
}

const paint = {
  pass: '\u001B[32m',
  warn: '\u001B[33m',
  fail: '\u001B[31m',
  unchecked: '\u001B[35m',
  dim: '\u001B[2m',
  bold: '\u001B[1m',
  reset: '\u001B[0m',
} as const;

const label: Record<Status, string> = {
  pass: 'PASS',
  warn: 'WARN',
  fail: 'FAIL',
  unchecked: 'NOT CHECKED',
};

/** The report as a table (status, area, check, subject), each non-passing row followed by its evidence and fix. */
export function formatReport(report: DomainReport, options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const c = (code: keyof typeof paint, text: string) =>
    color ? `${paint[code]}${text}${paint.reset}` : text;
  const rows = report.checks.map(
    (check) => [label[check.status], check.area, check.title, check.subject] as const,
  );
  const statusWidth = Math.max(4, ...rows.map((r) => r[0].length));
  const areaWidth = Math.max(4, ...rows.map((r) => r[1].length));
  const checkWidth = Math.max(5, ...rows.map((r) => r[2].length));

  const counts = (['pass', 'warn', 'fail', 'unchecked'] as const)
    .map((s) => [report.checks.filter((k) => k.status === s).length, s] as const)
    .filter(([n, s]) => s !== 'unchecked' || n > 0)
    .map(([n, s]) => `${n} ${s === 'unchecked' ? 'not checked' : s}`)
    .join(', ');
  const lines = [
    `${c('bold', `relaykit doctor: ${report.domain}`)}${report.organizationalDomain === report.domain ? '' : ` (organisational domain ${report.organizationalDomain})`}: ${c(report.status, label[report.status])} (${counts})`,
    '',
    c(
      'dim',
      `${''.padEnd(statusWidth)}  ${'AREA'.padEnd(areaWidth)}  ${'CHECK'.padEnd(checkWidth)}  SUBJECT`,
    ),
  ];
  report.checks.forEach((check, i) => {
    const row = rows[i];
    if (!row) return;
    lines.push(
      `${c(check.status, row[0].padEnd(statusWidth))}  ${row[1].padEnd(areaWidth)}  ${row[2].padEnd(checkWidth)}  ${row[3]}`,
    );
    if (check.status !== 'pass') {
      const indent = ' '.repeat(statusWidth + 2);
      for (const e of check.evidence) lines.push(c('dim', `${indent}found: ${e}`));
      if (check.fix) lines.push(`${indent}${c(check.status, 'fix:')} ${check.fix}`);
    }
  });
  return `${lines.join('\n')}\n`;
}
