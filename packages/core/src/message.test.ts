import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from './address.ts';
import { RelayError } from './errors.ts';
import { listUnsubscribeHeaders, normalizeMessage, parsers, type MessageInput } from './message.ts';

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

  it('gives every message a sender object of its own, however often the sender repeats', async () => {
    const first = await normalizeMessage({ ...base, from: 'Shop <Orders@Shop.TEST>' });
    const second = await normalizeMessage({ ...base, from: 'Shop <Orders@Shop.TEST>' });
    expect(first.from).toEqual({ name: 'Shop', address: 'Orders@shop.test' });
    expect(second.from).not.toBe(first.from);
    first.from.name = 'changed';
    expect(second.from.name).toBe('Shop');
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
    // A sender's parse is remembered; a bad one is refused every time.
    expect(await invalidField({ ...base, from: 'not-an-address' })).toBe('from');
    expect(await invalidField({ ...base, from: 'not-an-address' })).toBe('from');
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

describe('the fast path through validation', () => {
  // Mostly valid values with hostile ones mixed in, so both answers are common.
  const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) =>
    fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: hostile, weight: 1 });
  const line = mostly(
    fc.string({ minLength: 1, maxLength: 40 }).filter((v) => !/[\r\n]/u.test(v)),
    fc.oneof(
      fc.constantFrom('', 'a\nb', 'a\rb', 'a\u0000b', 'a\tb', 'a\u0085b', 'a\u2028b', 'a\u007fb'),
      fc.string({ minLength: 120, maxLength: 140 }),
      fc.string(),
    ),
  );
  const address = mostly(
    fc.oneof(
      fc.constantFrom('a@x.test', 'Ann <ann@x.test>'),
      fc.record(
        { address: fc.constant('b@x.test'), name: fc.string() },
        { requiredKeys: ['address'] },
      ),
    ),
    fc.oneof(
      fc.constantFrom('not-an-address', '', null, 42, true),
      fc.string(),
      fc.record({ address: fc.integer(), name: fc.anything() }, { requiredKeys: [] }),
      fc.record({ address: fc.constant('c@x.test'), name: fc.integer() }),
    ),
  );
  const addresses = fc.oneof(address, fc.array(address, { maxLength: 3 }));
  const record = mostly(
    fc.dictionary(
      fc.constantFrom('X-Tag', 'order', 'k'),
      mostly(
        line,
        fc.oneof(
          fc.double(),
          fc.boolean(),
          fc.constantFrom(null, Number.NaN, Number.POSITIVE_INFINITY),
          fc.object(),
        ),
      ),
      { maxKeys: 3 },
    ),
    fc.oneof(
      fc.dictionary(
        fc.oneof(fc.constantFrom('Bad Name', '', 'k'.repeat(129), '1'), fc.string()),
        line,
        { maxKeys: 3 },
      ),
      fc.constant(JSON.parse('{"__proto__":"x","ok":"y"}') as unknown),
      fc.constant(Object.defineProperty({ a: 'b' }, 'hidden', { value: 'c', enumerable: false })),
      fc.constant({ [Symbol('s')]: 'x', a: 'b' }),
      fc.constant(new (class Headers {})()),
      fc.anything(),
    ),
  );
  const input = fc.record(
    {
      id: mostly(
        fc.stringMatching(/^[\w.:-]{1,20}$/u),
        fc.oneof(fc.string(), fc.constant('x'.repeat(129))),
      ),
      from: address,
      to: addresses,
      cc: addresses,
      bcc: addresses,
      replyTo: addresses,
      subject: mostly(line, fc.oneof(fc.string({ minLength: 995, maxLength: 1001 }), fc.integer())),
      text: mostly(fc.string(), fc.integer()),
      html: mostly(fc.string(), fc.constant(null)),
      tags: mostly(
        fc.array(line, { maxLength: 3 }),
        fc.oneof(fc.array(line, { minLength: 50, maxLength: 51 }), fc.anything()),
      ),
      metadata: record,
      headers: record,
      stream: mostly(fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom('', 7)),
      idempotencyKey: mostly(
        fc.string({ minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant(''), fc.string({ minLength: 250, maxLength: 260 })),
      ),
      sendAt: mostly(fc.constant(undefined), fc.constantFrom(new Date(0), 'tomorrow')),
    },
    { requiredKeys: ['from', 'subject'] },
  );

  // Built by spread, with a hidden or inherited field, or not plain at all.
  const shaped = fc.oneof(
    { arbitrary: input, weight: 6 },
    input.map((o) =>
      Object.defineProperty({ ...o }, 'to', { value: 'z@x.test', enumerable: false }),
    ),
    input.map((o) => Object.assign(Object.create({ cc: 'p@x.test' }) as object, o)),
    input.map((o) => Object.assign(new (class Draft {})(), o)),
    input.map((o) => Object.assign(Object.create(null) as object, o)),
    // A key that is not a message field, even one holding undefined, is refused.
    fc
      .tuple(input, fc.constantFrom('extra', 'Cc', 'templateId'), fc.anything())
      .map(([o, key, value]) => ({ ...o, [key]: value })),
  );

  it('accepts only what the schema accepts, and yields what the schema yields', () => {
    let quick = 0;
    fc.assert(
      fc.property(shaped, (value) => {
        const fast = parsers.quick(value);
        const schema = parsers.schema(value);
        if (fast === undefined) return;
        quick += 1;
        expect(schema.success).toBe(true);
        expect(fast).toEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
    // The property says something only if the fast path took a fair share of the inputs.
    expect(quick).toBeGreaterThan(150);
  });

  it('takes the common message', () => {
    const common = {
      ...base,
      to: ['a@x.test', { address: 'b@x.test', name: 'B' }],
      cc: 'c@x.test',
      headers: { 'X-Campaign': 'spring' },
      metadata: { order: 42, vip: true, note: 'x' },
      tags: ['receipt'],
      stream: 'transactional',
      idempotencyKey: 'order-42',
      id: 'order-42:receipt',
    };
    expect(parsers.quick(common)).toEqual(parsers.schema(common).data);
  });
});

describe('unknown keys', () => {
  async function refused(input: unknown): Promise<RelayError> {
    const error = await normalizeMessage(input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).kind).toBe('invalid');
    return error as RelayError;
  }

  it('refuses a key that is not a message field, naming it and the nearest known key', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ replyto: 'r@x.test' }, 'replyto', /did you mean replyTo\?/u],
      [{ reply_to: 'r@x.test' }, 'reply_to', /did you mean replyTo\?/u],
      [{ Cc: 'c@x.test' }, 'Cc', /did you mean cc\?/u],
      [{ html_body: '<p>x</p>' }, 'html_body', /did you mean html\?/u],
      [{ HtmlBody: '<p>x</p>' }, 'HtmlBody', /did you mean html\?/u],
      [{ scheduledAt: new Date() }, 'scheduledAt', /did you mean sendAt\?/u],
      [{ subjct: 'x' }, 'subjct', /did you mean subject\?/u],
      [{ templateId: 'welcome' }, 'templateId', /not provider templates/u],
      [{ TemplateModel: { name: 'x' } }, 'TemplateModel', /not provider templates/u],
      [{ qwertyuiop: 1 }, 'qwertyuiop', /known: id, from, to/u],
      [{ attachments: [{ filename: 'a.txt', contnet: 'x' }] }, 'attachments.0.contnet', /content/u],
      [
        { listUnsubscribe: { url: 'https://x.test/u', oneclick: true } },
        'listUnsubscribe.oneclick',
        /oneClick/u,
      ],
      [{ to: { address: 'a@x.test', nmae: 'A' } }, 'to.nmae', /did you mean name\?/u],
    ];
    for (const [extra, field, advice] of cases) {
      const error = await refused({ ...base, ...extra });
      expect(error.field, field).toBe(field);
      expect(error.message, field).toMatch(advice);
    }
  });

  it('refuses an unknown key even when it holds undefined', async () => {
    expect((await refused({ ...base, templateId: undefined })).field).toBe('templateId');
  });

  it('is refused by the TypeScript types too', () => {
    const typed = (m: MessageInput) => m;
    // @ts-expect-error templateId is not a message field
    typed({ ...base, templateId: 'welcome' });
    // @ts-expect-error replyto is misspelt
    typed({ ...base, replyto: 'r@x.test' });
    expect(typed(base)).toBe(base);
  });
});

describe('address lists', () => {
  it('reads RFC 5322 address lists in every address field, string or array', async () => {
    const m = await normalizeMessage({
      ...base,
      to: 'a@x.com, "Doe, J" <b@y.com>',
      cc: ['c@x.com; D <d@y.com>', 'e@x.com'],
      bcc: 'Team: f@x.com, g@y.com;',
      replyTo: 'Help <help@shop.test>, sales@shop.test',
    });
    expect(m.to).toEqual([{ address: 'a@x.com' }, { address: 'b@y.com', name: 'Doe, J' }]);
    expect(m.cc.map((a) => a.address)).toEqual(['c@x.com', 'd@y.com', 'e@x.com']);
    expect(m.bcc.map((a) => a.address)).toEqual(['f@x.com', 'g@y.com']);
    expect(m.replyTo.map((a) => a.address)).toEqual(['help@shop.test', 'sales@shop.test']);
  });

  it('still reads an unquoted name with a comma as one mailbox', async () => {
    const m = await normalizeMessage({ ...base, to: 'Doe, J <j@x.test>' });
    expect(m.to).toEqual([{ address: 'j@x.test', name: 'Doe, J' }]);
  });

  it('refuses a broken list naming the field, and drops nothing silently', async () => {
    for (const to of ['a@x.com, not-an-address', 'a@x.com,, b@y.com', 'a@x.com,']) {
      const error = await normalizeMessage({ ...base, to }).catch((e: unknown) => e);
      expect(error, to).toBeInstanceOf(RelayError);
      expect((error as RelayError).field, to).toBe('to[0]');
    }
  });
});
