/**
 * CSV as the providers' dashboards and APIs write it (RFC 4180 plus what spreadsheets add): a
 * byte-order mark, `,` or `;` or tab between fields, quoted fields holding separators, quotes
 * ("") and line breaks, CRLF or LF line ends. Every record keeps the line it starts on, so an
 * error can name it.
 */
export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file where the record starts. */
  line: number;
}

/** A CSV file that cannot be read: says which line and what was expected. */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
  constructor(
    readonly line: number,
    problem: string,
    fix: string,
    /** What the file is, for the message. */
    what = 'suppression CSV',
  ) {
    super(`[relaykit] ${what} line ${line}: ${problem}; ${fix}`);
  }
}

export type Separator = ',' | ';' | '\t';

/** The separator the header line uses most, outside quotes (`,` when it has none). */
export function detectSeparator(text: string): Separator {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c] += 1;
  }
  const best = (Object.entries(counts) as Array<[Separator, number]>).sort((a, b) => b[1] - a[1]);
  return best[0] && best[0][1] > 0 ? best[0][0] : ',';
}

export function parseCsv(
  input: string,
  separator: Separator = detectSeparator(input),
  /** What the file is, for errors: `recipients CSV`. */
  what?: string,
): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let value = '';
  let line = 1;
  let start = 1;
  let i = 0;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(value);
    value = '';
    fieldStarted = false;
    records.push({ fields, line: start });
    fields = [];
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && value === '' && !fieldStarted) {
      // A quoted field runs to the next lone quote; "" inside is one quote.
      const opened = line;
      i += 1;
      for (;;) {
        if (i >= text.length)
          throw new CsvFormatError(
            opened,
            'a quoted field is never closed',
            'close it with a double quote (and double every quote inside it)',
            what,
          );
        const q = text[i] as string;
        i += 1;
        if (q === '"') {
          if (text[i] !== '"') break;
          i += 1;
        } else if (q === '\n' || (q === '\r' && text[i] !== '\n')) {
          line += 1;
        }
        value += q;
      }
      fieldStarted = true;
      const next = text[i];
      if (next !== undefined && next !== separator && next !== '\n' && next !== '\r')
        throw new CsvFormatError(
          line,
          'text after a closing quote',
          'quote the whole field and double any quote inside it',
          what,
        );
    } else if (c === separator) {
      fields.push(value);
      value = '';
      fieldStarted = false;
      i += 1;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      start = line;
    } else {
      if (c === '"')
        throw new CsvFormatError(
          line,
          'a quote inside an unquoted field',
          'quote the whole field and double any quote inside it',
          what,
        );
      value += c;
      fieldStarted = true;
      i += 1;
    }
  }
  if (value !== '' || fieldStarted || fields.length > 0) endRecord();
  return records;
}

const needsQuotes = /[",;\t\r\n]/u;

/** One CSV line (CRLF), quoting a field when it holds a separator, a quote or a line break. */
export const csvLine = (
  values: ReadonlyArray<string | undefined>,
  separator: Separator = ',',
): string =>
  `${values
    .map((v) => {
      const text = v ?? '';
      return needsQuotes.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
    })
    .join(separator)}\r\n`;
