import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from './address.ts';
import { RelayError } from './errors.ts';
import { listUnsubscribeHeaders, normalizeMessage } from './message.ts';

const base = { from: 'orders@shop.test', to: 'a@x.test', subject: 'Hi', text: 'Hello' };

async function invalidField(input: unknown): Promise<string | undefined> {
  const error = await normalizeMessage(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RelayError);
  expect((error as RelayError).kind).toBe('invalid');
  return (error as RelayError).field;
}

describe('addresses', () => {
  it('reads display names, quoted names and IDN domains', () => {
    expect(parseAddress('Ada Lovelace <ada@Example.ORG>')).toEqual({
      name: 'Ada Lovelace',
      address: 'ada@example.org',
    });
    expect(parseAddress('"Doe, Jane" <jane@x.test>')).toEqual({
      name: 'Doe, Jane',
      address: 'jane@x.test',
    });
    expect(parseAddress('müller@bücher.example').address).toBe('müller@xn--bcher-kva.example');
    expect(parseAddress({ address: 'x@y.test', name: 'X' })).toEqual({
      address: 'x@y.test',
      name: 'X',
    });
  });

  it('formats names that need quoting', () => {
    expect(formatAddress({ name: 'Doe, Jane', address: 'j@x.test' })).toBe(
      '"Doe, Jane" <j@x.test>',
    );
    expect(formatAddress({ name: 'Jane Doe', address: 'j@x.test' })).toBe('Jane Doe <j@x.test>');
  });

  it('refuses line breaks in addresses and names (header injection)', () => {
    expect(() => parseAddress('a@x.test\r\nBcc: v@x.test')).toThrow(/line break/u);
    expect(() => parseAddress({ address: 'a@x.test', name: 'A\nBcc: v@x.test' })).toThrow(
      /line break/u,
    );
  });

  it('never throws anything but an AddressError, and never accepts a CR or LF', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          const a = parseAddress(s);
          expect(a.address).not.toMatch(/[\r\n]/u);
          expect(a.name ?? '').not.toMatch(/[\r\n]/u);
        } catch (error) {
          expect((error as Error).name).toBe('AddressError');
        }
      }),
    );
  });
});

describe('normalizeMessage', () => {
  it('dedupes recipients across to, cc and bcc, first place wins', async () => {
    const m = await normalizeMessage({
      ...base,
      to: ['a@x.test', 'A@X.test'],
      cc: ['a@x.test', 'c@x.test'],
      bcc: ['c@x.test', 'd@x.test'],
    });
    expect(m.to.map((a) => a.address)).toEqual(['a@x.test']);
    expect(m.cc.map((a) => a.address)).toEqual(['c@x.test']);
    expect(m.bcc.map((a) => a.address)).toEqual(['d@x.test']);
  });

  it('assigns an id and uses it as the idempotency key unless one is given', async () => {
    const m = await normalizeMessage(base);
    expect(m.id).toMatch(/^rk_[0-9a-z]{9}[0-9a-f]{16}$/u);
    expect(m.idempotencyKey).toBe(m.id);
    expect((await normalizeMessage({ ...base, idempotencyKey: 'order-1' })).idempotencyKey).toBe(
      'order-1',
    );
  });

  it('reads attachments from strings, base64, bytes and paths', async () => {
    const m = await normalizeMessage({
      ...base,
      attachments: [
        { filename: 'a.txt', content: 'hello' },
        {
          filename: 'b.bin',
          content: Buffer.from([1, 2, 3]).toString('base64'),
          encoding: 'base64',
        },
        { filename: 'logo.png', content: new Uint8Array([137, 80]), cid: '<logo>' },
        { path: new URL(import.meta.url).pathname },
      ],
    });
    expect(m.attachments.map((a) => [a.filename, a.contentType, a.content.byteLength > 0])).toEqual(
      [
        ['a.txt', 'text/plain', true],
        ['b.bin', 'application/octet-stream', true],
        ['logo.png', 'image/png', true],
        ['message.test.ts', 'application/octet-stream', true],
      ],
    );
    expect(Buffer.from(m.attachments[1]?.content ?? []).toJSON().data).toEqual([1, 2, 3]);
    expect(m.attachments[2]?.cid).toBe('logo');
  });

  it('names the field at fault', async () => {
    expect(await invalidField({ ...base, to: 'not-an-address' })).toBe('to[0]');
    expect(await invalidField({ ...base, cc: ['ok@x.test', 'bad@'] })).toBe('cc[1]');
    expect(await invalidField({ ...base, from: undefined })).toBe('from');
    expect(await invalidField({ ...base, text: undefined })).toBe('text');
    expect(await invalidField({ ...base, subject: 'a\rb' })).toBe('subject');
    expect(await invalidField({ ...base, headers: { 'Bad Name': 'x' } })).toBe('headers.Bad Name');
    expect(await invalidField({ ...base, headers: { Subject: 'x' } })).toBe('headers.Subject');
    expect(
      await invalidField({ ...base, attachments: [{ filename: 'a', path: '/nonexistent/file' }] }),
    ).toBe('attachments[0].path');
    expect(
      await invalidField({ ...base, listUnsubscribe: { url: 'http://x.test/u', oneClick: true } }),
    ).toBe('listUnsubscribe');
  });

  it('refuses an oversize message', async () => {
    const error = await normalizeMessage(
      { ...base, text: 'x'.repeat(2000) },
      { maxMessageBytes: 1000 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'invalid', field: 'attachments' });
  });

  it('builds RFC 8058 List-Unsubscribe headers', async () => {
    const m = await normalizeMessage({
      ...base,
      listUnsubscribe: { url: 'https://x.test/u/1', mailto: 'u@x.test', oneClick: true },
    });
    expect(listUnsubscribeHeaders(m)).toEqual({
      'List-Unsubscribe': '<mailto:u@x.test>, <https://x.test/u/1>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});
