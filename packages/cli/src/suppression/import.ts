import { type SuppressionEntry } from '@relaykit/core';
import { suppressionAddress } from '@relaykit/core/adapter';
import {
  detectLayout,
  knownReasonWords,
  layouts,
  normalizeName,
  reasonFromWord,
  type Field,
  type Layout,
  type LayoutName,
} from './csv-columns.ts';
import { CsvFormatError, parseCsv } from './csv.ts';

export interface ReadOptions {
  /** The layout, when the header alone does not tell. @default detected from the header */
  format?: LayoutName;
  /** Scope every entry to this stream. */
  stream?: string;
  now?: Date;
}

export interface ReadResult {
  layout: Layout;
  entries: SuppressionEntry[];
}

const sourceColumns = ['sourceeventid', 'sourceprovider', 'sourcetype', 'sourcedetail'] as const;

/**
 * Reads a suppression export (relaykit's own, or SES, Postmark, Mailgun or Resend's) into entries.
 * Every row is checked first: a file with one bad row yields a CsvFormatError naming that line and
 * no entries at all.
 */
export function readSuppressionCsv(text: string, options: ReadOptions = {}): ReadResult {
  const records = parseCsv(text).filter(
    (r) => !(r.fields.length === 1 && r.fields[0]?.trim() === ''),
  );
  const header = records.shift();
  if (!header)
    throw new CsvFormatError(1, 'the file is empty', 'export the list again with its header line');
  const names = header.fields.map(normalizeName);
  const layout = detectLayout(names, options.format);
  if (!layout)
    throw new CsvFormatError(
      header.line,
      `no address column in the header (${header.fields.map((f) => JSON.stringify(f.trim())).join(', ') || 'empty'})`,
      `expected one of these layouts: ${layouts.map((l) => `${l.label} (${l.source})`).join('; ')}`,
    );
  const index = (field: Field): number => {
    for (const name of layout.columns[field] ?? []) {
      const i = names.indexOf(name);
      if (i !== -1) return i;
    }
    return -1;
  };
  const at = {
    address: index('address'),
    reason: index('reason'),
    date: index('date'),
    lastSeen: index('lastSeen'),
    expires: index('expires'),
    stream: index('stream'),
    detail: index('detail'),
  };
  if (at.address === -1)
    throw new CsvFormatError(
      header.line,
      `no address column for the ${layout.label} layout`,
      `expected ${layout.source}`,
    );
  const sources = layout.name === 'relaykit' ? sourceColumns.map((c) => names.indexOf(c)) : [];
  const withSource = sources.some((i) => i !== -1);
  const now = options.now ?? new Date();
  const fallbackReason = layout.defaultReason?.(names) ?? 'manual';

  const entries = records.map((record): SuppressionEntry => {
    const { line } = record;
    if (record.fields.length > names.length)
      throw new CsvFormatError(
        line,
        `${record.fields.length} fields where the header has ${names.length}`,
        'quote values that contain the separator',
      );
    const get = (i: number) => {
      if (i === -1) return undefined;
      const v = record.fields[i]?.trim();
      if (v === '' || v === undefined) return undefined;
      // relaykit's export puts a ' before a value a spreadsheet would run as a formula (=, +, -,
      // @, tab, CR: OWASP "CSV Injection"); reading it back takes that quote off again.
      return layout.name === 'relaykit' && /^'+[=+\-@\t\r]/u.test(v) ? v.slice(1) : v;
    };
    const raw = get(at.address) ?? '';
    let address: string;
    try {
      address = suppressionAddress(raw);
    } catch (error) {
      throw new CsvFormatError(
        line,
        raw === ''
          ? 'no address'
          : `"${raw}" is not an address (${error instanceof Error ? error.message : String(error)})`,
        'give local@domain or @domain',
      );
    }
    const word = get(at.reason);
    const reason = word === undefined ? fallbackReason : reasonFromWord(word);
    if (reason === undefined)
      throw new CsvFormatError(line, `unknown reason "${word ?? ''}"`, `use ${knownReasonWords()}`);
    const date = (i: number, name: string) => {
      const v = get(i);
      if (v === undefined) return undefined;
      // Unix seconds (SES's LastUpdateTime in some tools), ISO 8601 or RFC 2822 (Mailgun).
      const parsed = /^\d{9,11}(\.\d+)?$/u.test(v) ? new Date(Number(v) * 1000) : new Date(v);
      if (Number.isNaN(parsed.getTime()))
        throw new CsvFormatError(
          line,
          `${name} "${v}" is not a date`,
          'write ISO 8601 (2025-01-31T12:00:00Z) or RFC 2822 (Fri, 31 Jan 2025 12:00:00 UTC)',
        );
      return parsed;
    };
    const firstSeen = date(at.date, header.fields[at.date]?.trim() ?? 'date') ?? now;
    const lastSeen = date(at.lastSeen, 'last_seen') ?? firstSeen;
    const expiresAt = date(at.expires, 'expires_at');
    const stream = options.stream ?? get(at.stream);
    const source: NonNullable<SuppressionEntry['source']> = withSource
      ? Object.fromEntries(
          (['eventId', 'provider', 'type', 'detail'] as const)
            .map((k, n) => [k, get(sources[n] ?? -1)] as const)
            .filter(([, v]) => v !== undefined),
        )
      : {
          type: 'import',
          ...(layout.name === 'relaykit' ? {} : { provider: layout.name }),
          ...(get(at.detail) ? { detail: get(at.detail) as string } : {}),
        };
    return {
      address,
      ...(stream === undefined ? {} : { stream }),
      reason,
      ...(Object.keys(source).length === 0 ? {} : { source }),
      firstSeen,
      lastSeen,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
  });
  return { layout, entries };
}
