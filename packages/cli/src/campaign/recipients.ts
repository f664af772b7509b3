import type { CampaignRecipient } from '@relaykit/core';
import { parseAddress } from '@relaykit/core/adapter';
import { normalizeName } from '../suppression/csv-columns.ts';
import { CsvFormatError, parseCsv } from '../suppression/csv.ts';

const what = 'recipients CSV';
/** Header names (compared as normalizeName does) that hold the address. */
export const addressColumns = ['email', 'address', 'emailaddress'] as const;

export interface RecipientList {
  recipients: Array<{ address: string; data: Record<string, string> }>;
  /** The merge-data columns, as named in the header. */
  columns: string[];
}

/**
 * Reads a recipient list: a header line, an `email` (or `address`, `Email Address`) column, and
 * any other columns, which become each recipient's template data under their header names. Every
 * row is checked before anything is sent: a bad row is a CsvFormatError naming its line.
 */
export function readRecipientsCsv(text: string): RecipientList {
  const records = parseCsv(text, undefined, what).filter(
    (r) => !r.fields.every((f) => f.trim() === ''),
  );
  const header = records.shift();
  if (!header)
    throw new CsvFormatError(
      1,
      'the file is empty',
      'give a header line (email,name,…) and one row per recipient',
      what,
    );
  const names = header.fields.map((f) => f.trim());
  const at = names.findIndex((n) =>
    (addressColumns as readonly string[]).includes(normalizeName(n)),
  );
  if (at === -1)
    throw new CsvFormatError(
      header.line,
      `no address column in the header (${names.map((n) => JSON.stringify(n)).join(', ')})`,
      "name the column of addresses 'email' (or 'address'); the other columns become template data",
      what,
    );
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name === '' || i === at) continue;
    if (seen.has(name))
      throw new CsvFormatError(
        header.line,
        `two columns are named '${name}'`,
        'give each column its own name',
        what,
      );
    seen.add(name);
  }
  const columns = names.filter((n, i) => n !== '' && i !== at);
  if (records.length === 0)
    throw new CsvFormatError(
      header.line,
      'no recipients after the header',
      'add one row per recipient',
      what,
    );
  const recipients = records.map((r) => {
    if (r.fields.length !== names.length)
      throw new CsvFormatError(
        r.line,
        `${r.fields.length} field${r.fields.length === 1 ? '' : 's'} where the header has ${names.length}`,
        'give every row one value per column (quote a value that holds a comma)',
        what,
      );
    const address = (r.fields[at] as string).trim();
    if (address === '')
      throw new CsvFormatError(
        r.line,
        'no address',
        'give every row an address, or delete the row',
        what,
      );
    try {
      parseAddress(address);
    } catch (error) {
      throw new CsvFormatError(
        r.line,
        error instanceof Error
          ? error.message.replace(/^\[relaykit\] (\[[^\]]+\] )?/u, '')
          : `${JSON.stringify(address.slice(0, 80))} is not an email address`,
        'fix or delete the row',
        what,
      );
    }
    const data: Record<string, string> = {};
    names.forEach((name, i) => {
      if (name !== '' && i !== at) data[name] = r.fields[i] as string;
    });
    return { address, data };
  });
  return { recipients, columns };
}

/** The list as the campaign takes it. */
export const asCampaignRecipients = (list: RecipientList): CampaignRecipient[] =>
  list.recipients.map((r) => ({ address: r.address, data: r.data }));
