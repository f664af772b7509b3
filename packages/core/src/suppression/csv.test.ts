import { describe, expect, it } from 'vitest';
import { exportSuppressionsCsv, importSuppressionsCsv, memorySuppressionStore } from '../index.ts';
import { suppressionCsvLines } from '../adapter.ts';
import { parseCsv } from './csv.ts';

const at = new Date('2025-03-01T00:00:00Z');

describe('suppression CSV', () => {
  it('defuses formulas and control characters in cells that came from events, and still round-trips', async () => {
    const store = memorySuppressionStore();
    const details = ['=HYPERLINK("http://evil.test","x")', '+1', '-2+3', '@SUM(A1)', "'=quoted"];
    await store.add(
      details.map((detail, i) => ({
        address: `a${i}@x.test`,
        reason: 'hard-bounce' as const,
        firstSeen: at,
        lastSeen: at,
        source: { eventId: `=e${i}`, provider: 'ses', type: 'bounced', detail },
      })),
    );
    await store.add([
      {
        address: 'nul@x.test',
        reason: 'hard-bounce',
        firstSeen: at,
        lastSeen: at,
        source: { detail: 'a\u0000b\u000bc\u0085d' },
      },
    ]);
    const csv = await exportSuppressionsCsv(store);
    for (const record of parseCsv(csv).slice(1)) {
      for (const cell of record.fields) expect(cell).not.toMatch(/^[=+\-@\t\r]/u);
    }
    // eslint-disable-next-line no-control-regex
    expect(csv).not.toMatch(/[\u0000\u000b\u0085]/u);
    const again = memorySuppressionStore();
    await importSuppressionsCsv(again, csv);
    const page = await again.list();
    expect(page.entries.map((e) => e.source?.detail)).toEqual([...details, 'a b c d']);
    expect(page.entries[0]?.source?.eventId).toBe('=e0');
  });

  it('round-trips every field, quoting commas, quotes and line breaks (RFC 4180)', async () => {
    const store = memorySuppressionStore();
    await store.add([
      {
        address: 'a@x.test',
        reason: 'hard-bounce',
        firstSeen: at,
        lastSeen: at,
        source: {
          eventId: 'e1',
          provider: 'ses',
          type: 'bounced',
          detail: 'hard/unknown-user: 550 5.1.1 "no", such\r\nuser',
        },
      },
      { address: '@dead.test', reason: 'null-mx', firstSeen: at, lastSeen: at },
      {
        address: 'u@x.test',
        stream: 'news',
        reason: 'unsubscribe',
        firstSeen: at,
        lastSeen: at,
        expiresAt: new Date('2999-01-01T00:00:00Z'),
      },
    ]);
    const csv = await exportSuppressionsCsv(store);
    expect(csv.split('\r\n')[0]).toBe(
      'address,stream,reason,first_seen,last_seen,expires_at,source_event_id,source_provider,source_type,source_detail',
    );
    expect(csv).toContain('"hard/unknown-user: 550 5.1.1 ""no"", such\r\nuser"');
    const copy = memorySuppressionStore();
    expect(await importSuppressionsCsv(copy, csv)).toEqual({ imported: 3 });
    expect((await copy.list()).entries).toEqual((await store.list()).entries);
  });

  it('streams lines page by page', async () => {
    const store = memorySuppressionStore();
    await store.add(
      Array.from({ length: 2500 }, (_, i) => ({
        address: `u${i}@x.test`,
        reason: 'manual' as const,
        firstSeen: at,
        lastSeen: at,
      })),
    );
    let lines = 0;
    for await (const _line of suppressionCsvLines(store, { pageSize: 1000 })) lines += 1;
    expect(lines).toBe(2501);
  });

  it('imports a minimal file: address only, LF line ends, defaults to manual', async () => {
    const store = memorySuppressionStore();
    await importSuppressionsCsv(store, 'Address\nA@X.test\n@Dead.Test\n\n', { now: at });
    expect((await store.list()).entries).toEqual([
      {
        address: 'a@x.test',
        reason: 'manual',
        source: { type: 'import' },
        firstSeen: at,
        lastSeen: at,
      },
      {
        address: '@dead.test',
        reason: 'manual',
        source: { type: 'import' },
        firstSeen: at,
        lastSeen: at,
      },
    ]);
  });

  it.each([
    ['address\nok@x.test\nnot-an-address\n', /line 3: "not-an-address" is not an email address/u],
    [
      'address,reason\nok@x.test,hard-bounce\nb@x.test,bored\n',
      /line 3: unknown reason "bored"; use one of/u,
    ],
    ['address,first_seen\na@x.test,yesterday\n', /line 2: first_seen "yesterday" is not a date/u],
    ['address,stream\na@x.test,news,extra\n', /line 2: 3 fields where the header has 2/u],
    ['address,colour\na@x.test,red\n', /line 1: unknown column\(s\) colour/u],
    ['stream\nnews\n', /line 1: no "address" column/u],
    ['address,stream\n"a@x.test,news\n', /line 2: a quoted field is never closed/u],
    ['address,stream\n"a@x.test"x,news\n', /line 2: text after a closing quote/u],
    ['address,stream\na"b@x.test,news\n', /line 2: a quote inside an unquoted field/u],
    ['address\n@not a domain\n', /line 2: "@not a domain" is not a domain/u],
  ])('refuses %j with a RelayError naming the line, adding nothing', async (csv, message) => {
    const store = memorySuppressionStore();
    const error = await importSuppressionsCsv(store, csv).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'invalid',
      field: 'csv',
      message: expect.stringMatching(message),
    });
    expect((await store.list()).entries).toEqual([]);
  });

  it('counts lines inside quoted fields', () => {
    expect(parseCsv('a,b\r\n"x\ny",z\r\nlast,one').map((r) => r.line)).toEqual([1, 2, 4]);
    expect(parseCsv('"",""\n')).toEqual([{ fields: ['', ''], line: 1 }]);
  });
});
