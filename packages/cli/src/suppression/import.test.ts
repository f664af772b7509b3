import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportSuppressionsCsv,
  memorySuppressionStore,
  suppressionReasons,
  type SuppressionEntry,
} from '@relaykit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvFormatError, csvLine, parseCsv, type Separator } from './csv.ts';
import { readSuppressionCsv } from './import.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const summary = (entries: SuppressionEntry[]) =>
  entries.map((e) => [e.address, e.reason, e.firstSeen.toISOString()]);

describe('provider exports, as downloaded', () => {
  it('SES suppression list (EmailAddress, Reason BOUNCE|COMPLAINT, LastUpdateTime)', () => {
    const { layout, entries } = readSuppressionCsv(fixture('ses-suppression-list.csv'));
    expect(layout.name).toBe('ses');
    expect(summary(entries)).toEqual([
      ['bounced.reader@example.com', 'hard-bounce', '2025-03-14T09:26:53.537Z'],
      ['angry.reader@example.org', 'complaint', '2025-03-15T17:02:11.000Z'],
      ['gone.customer@example.net', 'hard-bounce', '2025-04-01T00:00:00.000Z'],
    ]);
    expect(entries[0]?.source).toEqual({ type: 'import', provider: 'ses' });
  });

  it('Postmark suppressions dump (SuppressionReason, Origin, CreatedAt with an offset)', () => {
    const { layout, entries } = readSuppressionCsv(fixture('postmark-suppressions.csv'));
    expect(layout.name).toBe('postmark');
    expect(summary(entries)).toEqual([
      ['hard.bounce@example.com', 'hard-bounce', '2025-02-03T15:46:54.000Z'],
      ['spam.report@example.org', 'complaint', '2025-02-04T13:00:00.000Z'],
      ['asked.us@example.net', 'manual', '2025-02-05T17:30:00.000Z'],
    ]);
    // Postmark's stream names are not relaykit's streams: the entries hold for every stream.
    expect(entries.every((e) => e.stream === undefined)).toBe(true);
  });

  it('Postmark bounces saved by a spreadsheet: BOM, ";" separators, quoted fields, "Hard bounce"', () => {
    const { layout, entries } = readSuppressionCsv(fixture('postmark-bounces-semicolon.csv'));
    expect(layout.name).toBe('postmark');
    expect(summary(entries)).toEqual([
      ['no.such.user@example.com', 'hard-bounce', '2025-05-02T14:11:09.000Z'],
      ['quoted@example.org', 'complaint', '2025-05-03T09:00:00.000Z'],
    ]);
  });

  it('Mailgun bounces, unsubscribes and complaints (RFC 2822 dates, the list decides the reason)', () => {
    const bounces = readSuppressionCsv(fixture('mailgun-bounces.csv'));
    expect(bounces.layout.name).toBe('mailgun');
    expect(summary(bounces.entries)).toEqual([
      ['alice@example.com', 'hard-bounce', '2011-10-21T11:02:55.000Z'],
      ['bob@example.org', 'hard-bounce', expect.any(String)],
      ['carol@example.net', 'hard-bounce', '2025-01-06T08:15:00.000Z'],
    ]);
    expect(bounces.entries[0]?.source?.detail).toMatch(/^550 5\.1\.1 The email account/u);
    const unsubscribes = readSuppressionCsv(fixture('mailgun-unsubscribes.csv'));
    expect(summary(unsubscribes.entries)).toEqual([
      ['dave@example.com', 'unsubscribe', '2025-01-07T10:00:00.000Z'],
      ['erin@example.org', 'unsubscribe', '2025-01-08T11:30:00.000Z'],
    ]);
    const complaints = readSuppressionCsv(fixture('mailgun-complaints.csv'));
    expect(summary(complaints.entries)).toEqual([
      ['frank@example.com', 'complaint', '2025-01-09T12:00:00.000Z'],
    ]);
  });

  it('Resend suppressions (email, origin bounce|complaint|manual, source_id, created_at)', () => {
    const { layout, entries } = readSuppressionCsv(fixture('resend-suppressions.csv'));
    expect(layout.name).toBe('resend');
    expect(summary(entries)).toEqual([
      ['steve.wozniak@example.com', 'manual', '2026-10-06T23:47:56.678Z'],
      ['susan.kare@example.com', 'hard-bounce', '2026-10-07T08:12:03.412Z'],
      ['grace.hopper@example.org', 'complaint', '2026-10-08T10:00:00.000Z'],
    ]);
  });

  it('scopes every entry to --stream when asked', () => {
    const { entries } = readSuppressionCsv(fixture('resend-suppressions.csv'), {
      stream: 'outreach',
    });
    expect(entries.every((e) => e.stream === 'outreach')).toBe(true);
  });
});

describe('a file it cannot read is refused whole, naming the line and what it expected', () => {
  const refuse = (text: string) => {
    try {
      readSuppressionCsv(text);
    } catch (error) {
      expect(error).toBeInstanceOf(CsvFormatError);
      return (error as CsvFormatError).message;
    }
    throw new Error('accepted');
  };

  it('an unknown layout lists the layouts it knows', () => {
    const message = refuse('Recipient Name,Phone\r\nAda,123\r\n');
    expect(message).toMatch(/^\[relaykit\] suppression CSV line 1: no address column/u);
    expect(message).toContain('Amazon SES suppression list');
    expect(message).toContain('Mailgun bounces (address,code,error,created_at)');
  });

  it('a bad address, reason, date or field count names its line', () => {
    expect(refuse('EmailAddress,Reason\nok@example.com,BOUNCE\nnot an address,BOUNCE\n')).toMatch(
      /line 3: "not an address" is not an address/u,
    );
    expect(refuse('EmailAddress,Reason\nok@example.com,BOUNCE\nx@example.com,MAYBE\n')).toMatch(
      /line 3: unknown reason "MAYBE"; use BOUNCE, COMPLAINT, HardBounce, Hard bounce/u,
    );
    expect(refuse('email,origin,created_at\r\na@example.com,bounce,yesterday\r\n')).toMatch(
      /line 2: created_at "yesterday" is not a date/u,
    );
    expect(refuse('address,reason\na@example.com,manual,extra\n')).toMatch(
      /line 2: 3 fields where the header has 2; quote values that contain the separator/u,
    );
    // A quoted field spanning lines: the next record's line is still right.
    expect(
      refuse('address,code,error,created_at\na@example.com,550,"two\nlines",\nbad,550,x,\n'),
    ).toMatch(/line 4: "bad" is not an address/u);
    expect(refuse('address\n"never closed\n')).toMatch(/line 2: a quoted field is never closed/u);
  });
});

// CSV is outside input: whatever the bytes, the answer is entries or a line-numbered refusal.
describe('properties', () => {
  const separators: Separator[] = [',', ';', '\t'];

  it('parseCsv reads back what csvLine wrote, for any fields and separator', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...separators),
        fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 2, maxLength: 5 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (separator, rows) => {
          const width = rows[0]?.length ?? 2;
          const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
          const text = table.map((r) => csvLine(r, separator)).join('');
          expect(parseCsv(text, separator).map((r) => r.fields)).toEqual(table);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any input yields entries or a CsvFormatError with a line number, never another throw', () => {
    const header = fc.constantFrom(
      'address,reason,first_seen',
      'EmailAddress,Reason,LastUpdateTime',
      'EmailAddress;SuppressionReason;Origin;CreatedAt',
      'address,code,error,created_at',
      'email,origin,created_at',
    );
    const noise = fc.string({
      unit: fc.constantFrom(
        'a',
        '@',
        'x.io',
        ',',
        ';',
        '"',
        '\n',
        '\r',
        ' ',
        'BOUNCE',
        '2025',
        'é',
      ),
      maxLength: 60,
    });
    fc.assert(
      fc.property(header, noise, (h, body) => {
        try {
          const { entries } = readSuppressionCsv(`${h}\n${body}`);
          for (const e of entries) expect(e.address).toBe(e.address.toLowerCase());
        } catch (error) {
          expect(error).toBeInstanceOf(CsvFormatError);
          expect((error as Error).message).toMatch(/^\[relaykit\] suppression CSV line \d+: /u);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('export then import gives back the same list', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const date = fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    const entry = fc.record({
      local: fc.stringMatching(/^[a-z0-9](?:[a-z0-9_+-]{0,8}[a-z0-9])?$/u),
      domain: fc.stringMatching(/^[a-z0-9]{1,10}\.(com|org|example)$/u),
      stream: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/u), { nil: undefined }),
      reason: fc.constantFrom(...suppressionReasons),
      firstSeen: date,
      lastSeen: date,
      expiresAt: fc.option(date, { nil: undefined }),
      detail: fc.option(text, { nil: undefined }),
      eventId: fc.option(text, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(entry, { selector: (e) => `${e.local}@${e.domain}`, maxLength: 8 }),
        async (list) => {
          const entries: SuppressionEntry[] = list.map((e) => ({
            address: `${e.local}@${e.domain}`,
            ...(e.stream === undefined ? {} : { stream: e.stream }),
            reason: e.reason,
            source: {
              type: 'webhook',
              provider: 'ses',
              ...(e.detail?.trim() ? { detail: e.detail.trim() } : {}),
              ...(e.eventId?.trim() ? { eventId: e.eventId.trim() } : {}),
            },
            firstSeen: e.firstSeen,
            lastSeen: e.lastSeen,
            ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }),
          }));
          const original = memorySuppressionStore();
          await original.add(entries);
          const csv = await exportSuppressionsCsv(original);
          const copy = memorySuppressionStore();
          await copy.add(readSuppressionCsv(csv).entries);
          expect(await exportSuppressionsCsv(copy)).toBe(csv);
        },
      ),
      { numRuns: 150 },
    );
  });
});
