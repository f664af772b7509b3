import { AddressError } from '../address.ts';
import { RelayError } from '../errors.ts';
import {
  suppressionReasons,
  type SuppressionEntry,
  type SuppressionReason,
  type SuppressionStore,
} from '../stores.ts';
import { cleanCsvText, csvFormulaSafe, uncsvFormula } from '../text.ts';
import { suppressionAddress } from './address.ts';

/** The columns, in export order. Import needs `address`; every other column is optional. */
export const suppressionCsvColumns = [
  'address',
  'stream',
  'reason',
  'first_seen',
  'last_seen',
  'expires_at',
  'source_event_id',
  'source_provider',
  'source_type',
  'source_detail',
] as const;

type Column = (typeof suppressionCsvColumns)[number];

/**
 * One cell: control characters cleaned, a leading formula character defused (a detail from a
 * webhook is a stranger's text; a spreadsheet must not run it), quoted where RFC 4180 needs it.
 */
const field = (value: string | undefined): string => {
  const text = csvFormulaSafe(cleanCsvText(value ?? ''));
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
};

const row = (values: ReadonlyArray<string | undefined>): string =>
  `${values.map(field).join(',')}\r\n`;

/** The suppression list as CSV lines (RFC 4180: CRLF line ends, quoted where needed), header first, page by page. */
export async function* suppressionCsvLines(
  store: SuppressionStore,
  options: { stream?: string; pageSize?: number } = {},
): AsyncGenerator<string> {
  yield row(suppressionCsvColumns);
  let cursor: string | undefined;
  do {
    const page = await store.list({
      limit: options.pageSize ?? 1000,
      ...(cursor === undefined ? {} : { cursor }),
      ...(options.stream === undefined ? {} : { stream: options.stream }),
    });
    for (const e of page.entries) {
      yield row([
        e.address,
        e.stream,
        e.reason,
        e.firstSeen.toISOString(),
        e.lastSeen.toISOString(),
        e.expiresAt?.toISOString(),
        e.source?.eventId,
        e.source?.provider,
        e.source?.type,
        e.source?.detail,
      ]);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
}

/** The whole suppression list as one CSV string; use `suppressionCsvLines` to stream a large one. */
export async function exportSuppressionsCsv(
  store: SuppressionStore,
  options: { stream?: string } = {},
): Promise<string> {
  let out = '';
  for await (const line of suppressionCsvLines(store, options)) out += line;
  return out;
}

/**
 * Reads CSV (as exported, or any subset of its columns with `address`) into the store. Every row
 * is checked before any is added, so a bad file adds nothing; the error names its line.
 */
export async function importSuppressionsCsv(
  store: SuppressionStore,
  csv: string,
  options: { now?: Date } = {},
): Promise<{ imported: number }> {
  const records = parseCsv(csv);
  const header = records.shift();
  if (!header) return { imported: 0 };
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const unknown = columns.filter(
    (name) => !(suppressionCsvColumns as readonly string[]).includes(name),
  );
  if (unknown.length > 0 || !columns.includes('address')) {
    throw invalid(
      header.line,
      unknown.length > 0 ? `unknown column(s) ${unknown.join(', ')}` : 'no "address" column',
      `the header must name columns from: ${suppressionCsvColumns.join(', ')}`,
    );
  }
  const now = options.now ?? new Date();
  const withSource = columns.some((name) => name.startsWith('source_'));
  const entries: SuppressionEntry[] = [];
  for (const record of records) {
    if (record.fields.length === 1 && record.fields[0] === '') continue;
    if (record.fields.length !== columns.length) {
      throw invalid(
        record.line,
        `${record.fields.length} fields where the header has ${columns.length}`,
        'quote values that contain commas',
      );
    }
    const get = (name: Column) => {
      const value = record.fields[columns.indexOf(name)]?.trim();
      return value === '' || value === undefined ? undefined : uncsvFormula(value);
    };
    entries.push(readEntry(get, record.line, now, withSource));
  }
  for (let i = 0; i < entries.length; i += 1000) await store.add(entries.slice(i, i + 1000));
  return { imported: entries.length };
}

function readEntry(
  get: (name: Column) => string | undefined,
  line: number,
  now: Date,
  withSource: boolean,
): SuppressionEntry {
  const raw = get('address') ?? '';
  let address: string;
  try {
    address = suppressionAddress(raw);
  } catch (error) {
    throw invalid(
      line,
      error instanceof AddressError ? error.message : `"${raw}" is not an address`,
      'give local@domain or @domain',
    );
  }
  const reason = get('reason') ?? 'manual';
  if (!(suppressionReasons as readonly string[]).includes(reason)) {
    throw invalid(
      line,
      `unknown reason "${reason}"`,
      `use one of ${suppressionReasons.join(', ')}`,
    );
  }
  const date = (name: Column) => {
    const value = get(name);
    if (value === undefined) return undefined;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime()))
      throw invalid(
        line,
        `${name} "${value}" is not a date`,
        'write dates as ISO 8601, e.g. 2025-01-31T12:00:00Z',
      );
    return parsed;
  };
  const firstSeen = date('first_seen') ?? date('last_seen') ?? now;
  const lastSeen = date('last_seen') ?? firstSeen;
  const expiresAt = date('expires_at');
  const stream = get('stream');
  const eventId = get('source_event_id');
  const provider = get('source_provider');
  const type = get('source_type');
  const detail = get('source_detail');
  // A file without source columns is an import; an exported file keeps its sources as they were.
  const source = withSource
    ? {
        ...(eventId === undefined ? {} : { eventId }),
        ...(provider === undefined ? {} : { provider }),
        ...(type === undefined ? {} : { type }),
        ...(detail === undefined ? {} : { detail }),
      }
    : { type: 'import' };
  return {
    address,
    ...(stream === undefined ? {} : { stream }),
    reason: reason as SuppressionReason,
    ...(Object.keys(source).length === 0 ? {} : { source }),
    firstSeen,
    lastSeen,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

const invalid = (line: number, problem: string, fix: string) =>
  new RelayError({
    kind: 'invalid',
    field: 'csv',
    message: `suppression CSV line ${line}: ${problem}; ${fix}`,
  });

interface CsvRecord {
  fields: string[];
  /** The line the record starts on (1-based). */
  line: number;
}

/** RFC 4180 records: CRLF or LF line ends, quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let value = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = () => {
    fields.push(value);
    value = '';
    quoted = false;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && value === '' && !quoted) {
      // A quoted field runs to the next lone quote.
      quoted = true;
      i += 1;
      for (;;) {
        if (i >= text.length)
          throw invalid(start, 'a quoted field is never closed', 'close it with a double quote');
        const q = text[i] as string;
        i += 1;
        if (q === '"') {
          if (text[i] !== '"') break;
          i += 1;
        } else if (q === '\n') {
          line += 1;
        }
        value += q;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw invalid(
          line,
          'text after a closing quote',
          'quote the whole field and double any quote inside it',
        );
      }
    } else if (c === ',') {
      endField();
      i += 1;
    } else if (c === '\r' || c === '\n') {
      endField();
      records.push({ fields, line: start });
      fields = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      start = line;
    } else {
      if (c === '"' || quoted)
        throw invalid(
          line,
          'a quote inside an unquoted field',
          'quote the whole field and double any quote inside it',
        );
      value += c;
      i += 1;
    }
  }
  if (value !== '' || quoted || fields.length > 0) {
    endField();
    records.push({ fields, line: start });
  }
  return records;
}
