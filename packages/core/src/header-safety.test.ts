import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelayError } from './errors.ts';
import { headerFault, isHeaderSafe } from './header-safety.ts';
import { listUnsubscribeHeaders, normalizeMessage } from './message.ts';

const base = { from: 'orders@shop.test', to: 'a@x.test', subject: 'Hi', text: 'Hello' };

/** Every header-bound field of a message, with the string under test put into it. */
export const headerBoundFields: Record<string, (s: string) => Record<string, unknown>> = {
  subject: (s) => ({ subject: s }),
  'to[0]': (s) => ({ to: { address: 'a@x.test', name: s } }),
  from: (s) => ({ from: `Shop${s} <orders@shop.test>` }),
  'replyTo[0]': (s) => ({ replyTo: `Help${s} <help@shop.test>` }),
  'cc[0]': (s) => ({ cc: `c@x.test${s}` }),
  'headers.X-Ref': (s) => ({ headers: { 'X-Ref': s } }),
  'tags.0': (s) => ({ tags: [`t${s}`] }),
  'metadata.order': (s) => ({ metadata: { order: s } }),
  metadata: (s) => ({ metadata: { [`k${s}`]: 'v' } }),
  stream: (s) => ({ stream: `s${s}` }),
  idempotencyKey: (s) => ({ idempotencyKey: `key${s}` }),
  'listUnsubscribe.url': (s) => ({ listUnsubscribe: { url: `https://shop.test/u${s}` } }),
  'listUnsubscribe.mailto': (s) => ({ listUnsubscribe: { mailto: `u@shop.test${s}` } }),
  'attachments.0.filename': (s) => ({
    attachments: [{ filename: `a${s}.txt`, content: 'x' }],
  }),
  'attachments.0.cid': (s) => ({ attachments: [{ filename: 'a.png', content: 'x', cid: s }] }),
};

const controls = [
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\t',
  '\u000b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
  '\u2028',
  '\u2029',
];

async function fault(input: unknown): Promise<RelayError> {
  const error = await normalizeMessage(input).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RelayError);
  expect((error as RelayError).kind).toBe('invalid');
  return error as RelayError;
}

describe('header safety', () => {
  it('names the character and where it is', () => {
    expect(headerFault('ok')).toBeUndefined();
    expect(headerFault('a\r\nBcc: x')).toMatch(/carriage return \(CR\) \(U\+000D\) at index 1/u);
    expect(headerFault('a\u2028b')).toMatch(/U\+2028/u);
    expect(isHeaderSafe('Grüße, 你好 ✓')).toBe(true);
  });

  it('refuses a List-Unsubscribe mailto that would inject a Bcc and a body', async () => {
    const mailto = 'unsub@shop.test>\r\nBcc: victim@x.test\r\n\r\n<html>phish</html>';
    const error = await fault({ ...base, listUnsubscribe: { mailto } });
    expect(error.field).toBe('listUnsubscribe.mailto');
    const url = 'https://shop.test/u\r\nBcc: victim@x.test';
    expect((await fault({ ...base, listUnsubscribe: { url } })).field).toBe('listUnsubscribe.url');
  });

  it('refuses List-Unsubscribe targets that would close the angle bracket', async () => {
    for (const listUnsubscribe of [
      { url: 'https://shop.test/u>,<https://evil.test' },
      { mailto: 'u@shop.test>, <mailto:x@evil.test' },
      { mailto: 'not an address' },
    ]) {
      expect((await fault({ ...base, listUnsubscribe })).field).toMatch(/^listUnsubscribe\./u);
    }
    const m = await normalizeMessage({
      ...base,
      listUnsubscribe: { mailto: 'mailto:u@shop.test?subject=stop', url: 'https://shop.test/u' },
    });
    expect(listUnsubscribeHeaders(m)['List-Unsubscribe']).toBe(
      '<mailto:u@shop.test?subject=stop>, <https://shop.test/u>',
    );
  });

  it('refuses every control character in every header-bound field, naming the field', async () => {
    for (const [field, put] of Object.entries(headerBoundFields)) {
      for (const c of controls) {
        const error = await fault({ ...base, ...put(c) });
        expect(error.field, `${field} with U+${c.codePointAt(0)?.toString(16)}`).toBe(field);
      }
    }
  });

  it('refuses a control character anywhere in any header-bound field (property)', async () => {
    const fields = Object.entries(headerBoundFields);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.string({ maxLength: 8 }),
        fc.constantFrom(...controls),
        fc.string({ maxLength: 8 }),
        async ([field, put], before, c, after) => {
          const error = await fault({ ...base, ...put(`${before}${c}${after}`) });
          expect(error.field).toBe(field);
          expect(error.message).toContain(field);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps body text free to carry any character', async () => {
    const m = await normalizeMessage({ ...base, text: 'a\r\n\tb\u0000', html: '<p>\n</p>' });
    expect(m.text).toBe('a\r\n\tb\u0000');
  });
});
