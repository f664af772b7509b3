import { normalizeMessage, type MessageInput } from '@relaykit/core';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import {
  buildMime,
  encodeWords,
  foldHeader,
  formatDate,
  safeContentType,
  unstructuredHeader,
} from './mime.ts';

const build = async (input: Partial<MessageInput>, headers?: Record<string, string>) => {
  const message = await normalizeMessage({
    from: 'a@example.com',
    to: 'b@example.org',
    subject: 's',
    text: 't',
    ...input,
  });
  const raw = Buffer.from(
    buildMime(message, { date: new Date('2026-03-01T10:00:00Z'), ...(headers ? { headers } : {}) }),
  );
  return { raw, text: raw.toString('utf8'), parsed: await PostalMime.parse(raw) };
};

const lines = (text: string) => text.split('\r\n');

describe('buildMime', () => {
  it('writes a plain ASCII text message as 7bit with CRLF line ends and no Bcc header', async () => {
    const { text, parsed } = await build({
      bcc: 'hidden@example.org',
      replyTo: 'r@example.com',
      cc: { address: 'c@example.org', name: 'C. Person' },
    });
    expect(text).toMatch(
      /^From: a@example\.com\r\nReply-To: r@example\.com\r\nTo: b@example\.org\r\nCc: "C\. Person" <c@example\.org>\r\nSubject: s\r\nDate: Sun, 01 Mar 2026 10:00:00 \+0000\r\nMIME-Version: 1\.0\r\n/u,
    );
    expect(text).toContain(
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nt\r\n',
    );
    expect(text).not.toMatch(/^Bcc:/imu);
    expect(text.replace(/\r\n/gu, '')).not.toContain('\n');
    // postal-mime keeps the line break that ends a 7bit body.
    expect(parsed.text?.trimEnd()).toBe('t');
    expect(parsed.cc?.[0]).toMatchObject({ address: 'c@example.org', name: 'C. Person' });
  });

  it('encodes non-ASCII subjects, display names and header values as RFC 2047 words that decode back', async () => {
    const subject =
      'Grüße aus Köln — 東京 🎉 and a long tail that certainly needs folding to stay under 78';
    const { text, parsed } = await build({
      subject,
      from: { address: 'a@example.com', name: 'Zoë Ärger' },
      headers: { 'X-Note': 'naïve café' },
    });
    expect(parsed.subject).toBe(subject);
    expect(parsed.from).toMatchObject({ address: 'a@example.com', name: 'Zoë Ärger' });
    expect(parsed.headers.find((h) => h.key === 'x-note')?.value).toMatch(/^=\?UTF-8\?B\?/u);
    for (const line of lines(text.slice(0, text.indexOf('\r\n\r\n'))))
      expect(line.length).toBeLessThanOrEqual(78);
  });

  it('builds mixed > alternative > (text, related > (html, inline)) for html with cid images and attachments', async () => {
    const { text, parsed } = await build({
      text: 'plain',
      html: '<p>hi <img src="cid:logo@rk"></p>',
      attachments: [
        { filename: 'logo.png', content: Buffer.from([1, 2, 3]), cid: 'logo@rk' },
        { filename: 'report.pdf', content: 'PDF'.repeat(100) },
      ],
    });
    const types = [...text.matchAll(/^Content-Type: ([^;\r\n]+)/gmu)].map((m) => m[1]);
    expect(types).toEqual([
      'multipart/mixed',
      'multipart/alternative',
      'text/plain',
      'multipart/related',
      'text/html',
      'image/png',
      'application/pdf',
    ]);
    expect(text).toContain('type="text/html"');
    expect(parsed.text?.trimEnd()).toBe('plain');
    expect(parsed.html).toContain('cid:logo@rk');
    const [logo, report] = parsed.attachments;
    expect(logo).toMatchObject({
      filename: 'logo.png',
      mimeType: 'image/png',
      disposition: 'inline',
      contentId: '<logo@rk>',
    });
    expect(Buffer.from(logo?.content as ArrayBuffer)).toEqual(Buffer.from([1, 2, 3]));
    expect(report).toMatchObject({
      filename: 'report.pdf',
      mimeType: 'application/pdf',
      disposition: 'attachment',
    });
    expect(Buffer.from(report?.content as ArrayBuffer).toString()).toBe('PDF'.repeat(100));
  });

  it('treats cid attachments of a text-only message as plain attachments (no related part)', async () => {
    const { text } = await build({ attachments: [{ filename: 'a.png', content: 'x', cid: 'a' }] });
    expect(text).not.toContain('multipart/related');
    expect(text).toContain('Content-ID: <a>');
  });

  it('base64-encodes bodies in 76-column lines when text is non-ASCII, long-lined or has a leading dot', async () => {
    const body = `${'é'.repeat(200)}\n.\n.leading dot\n${'x'.repeat(1500)}`;
    const { text, parsed } = await build({ text: body });
    expect(text).toContain('Content-Transfer-Encoding: base64');
    for (const line of lines(text)) expect(line.length).toBeLessThanOrEqual(78);
    expect(lines(text).some((l) => l.startsWith('.'))).toBe(false);
    expect(parsed.text).toBe(body);
    const dotOnly = await build({ text: 'a\n.\nb' });
    expect(dotOnly.text).toContain('base64');
  });

  it('writes non-ASCII and long file names with RFC 2231 continuations', async () => {
    const filename = `Relevé de compte ${'très long '.repeat(8)}— été.pdf`;
    const { text, parsed } = await build({ attachments: [{ filename, content: 'x' }] });
    expect(text).toMatch(/filename\*0\*=utf-8''/u);
    expect(parsed.attachments[0]?.filename).toBe(filename);
    const quoted = await build({
      attachments: [{ filename: 'say "hi" \\ there.txt', content: 'x' }],
    });
    expect(quoted.parsed.attachments[0]?.filename).toBe('say "hi" \\ there.txt');
  });

  it('writes List-Unsubscribe headers unencoded', async () => {
    const { parsed } = await build(
      {},
      {
        'List-Unsubscribe': '<mailto:u@example.com>, <https://example.com/u?a=?b>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    );
    expect(parsed.headers.find((h) => h.key === 'list-unsubscribe')?.value).toBe(
      '<mailto:u@example.com>, <https://example.com/u?a=?b>',
    );
    expect(parsed.headers.find((h) => h.key === 'list-unsubscribe-post')?.value).toBe(
      'List-Unsubscribe=One-Click',
    );
  });

  it('round-trips arbitrary subjects, names, bodies and file names (fast-check)', async () => {
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 300 })
      .filter((s) => !/[\p{Cc}\u2028\u2029]/u.test(s) && s.trim() === s && s !== '');
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        fc.string({ unit: 'grapheme', maxLength: 2000 }),
        text,
        async (subject, name, body, filename) => {
          const { text: raw, parsed } = await build({
            subject,
            from: { address: 'a@example.com', name },
            text: body || ' ',
            attachments: [{ filename, content: body }],
          });
          for (const line of lines(raw)) expect(line.length).toBeLessThanOrEqual(998);
          expect(parsed.subject).toBe(subject);
          expect(parsed.attachments[0]?.filename).toBe(filename);
          const expected = (body || ' ').replace(/\r\n|\r/gu, '\n');
          expect([expected, `${expected}\n`]).toContain(parsed.text?.replace(/\r\n/gu, '\n'));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('header helpers', () => {
  it('keeps every encoded word within 75 characters and never splits a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const words = encodeWords(s);
        for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
        const decoded = words
          .map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8'))
          .join('');
        expect(decoded).toBe(s);
      }),
    );
  });

  it('folds at spaces, not right after the name, and encodes a line no space can shorten', () => {
    expect(
      foldHeader(`Subject: ${'word '.repeat(30).trim()}`)
        .split('\r\n')
        .every((l) => l.length <= 78),
    ).toBe(true);
    expect(foldHeader(`X: ${'a'.repeat(100)}`)).toBe(`X: ${'a'.repeat(100)}`);
    const long = unstructuredHeader('X-Long', 'z'.repeat(2000));
    for (const l of long.split('\r\n')) expect(l.length).toBeLessThanOrEqual(998);
    expect(long).toContain('=?UTF-8?B?');
  });

  it('formats dates and content types', () => {
    expect(formatDate(new Date('2026-11-28T13:00:00Z'))).toBe('Sat, 28 Nov 2026 13:00:00 +0000');
    expect(safeContentType('Image/PNG')).toBe('image/png');
    expect(safeContentType('text/plain; charset=utf-8')).toBe('text/plain');
    expect(safeContentType('bad type"\\')).toBe('application/octet-stream');
    expect(safeContentType(Object.prototype.constructor)).toBe('application/octet-stream');
  });
});
