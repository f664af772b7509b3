import { randomBytes } from 'node:crypto';
import { type Address, type Attachment, type Message } from '@relaykit/core';
import { formatAddress } from '@relaykit/core/adapter';

/**
 * A MIME writer for SES raw content (RFC 5322, 2045-2047, 2183, 2231, 2387). Structure:
 *   multipart/mixed                      (only with ordinary attachments)
 *     multipart/alternative              (only with both text and html)
 *       text/plain
 *       multipart/related; type=text/html (only with inline cid attachments)
 *         text/html
 *         inline parts (Content-ID)
 *     attachments
 * Bodies are 7bit when they are short-lined ASCII with no line starting with '.', base64 in
 * 76-column lines otherwise, so every line stays far under the 998 limit and nothing needs
 * dot-stuffing. Non-ASCII header text is written as RFC 2047 encoded-words.
 */

const CRLF = '\r\n';
const maxLine = 78;
const hardLimit = 998;

export interface MimeOptions {
  /** Structured ASCII headers (e.g. List-Unsubscribe) written after the message's own, folded but not encoded. */
  headers?: Readonly<Record<string, string>>;
  date?: Date;
  /** Boundary source, for stable tests. */
  boundary?: () => string;
}

interface Part {
  headers: string[];
  /** Without a trailing CRLF. */
  body: string;
}

const printableAscii = /^[\x20-\x7e\t]*$/u;

export function isAscii(text: string): boolean {
  return printableAscii.test(text);
}

/**
 * RFC 2047 B-encoded words for `text`, each at most 75 characters, never splitting a character
 * between words (a multi-byte sequence cut in two would not decode).
 */
export function encodeWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    // 39 bytes → 52 base64 characters; with "=?UTF-8?B?" and "?=" that is 64 (≤ 75), so
    // `Subject: ` and a word fit in 78 columns.
    if (bytes + size > 39 && chunk !== '') {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== '' || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`);
}

/** A header value: as is when printable ASCII (and not mistakable for an encoded-word), encoded-words otherwise. */
export function encodeHeaderText(value: string): string {
  return isAscii(value) && !value.includes('=?') ? value : encodeWords(value).join(' ');
}

/** Folds `Name: value` at spaces so lines stay within 78 characters where a space allows it. */
export function foldHeader(line: string): string {
  if (line.length <= maxLine) return line;
  const words = line.split(' ');
  const lines: string[] = [];
  let current = words[0] ?? '';
  for (const word of words.slice(1)) {
    // Never break right after `Name:`, nor leave a line of only whitespace.
    if (
      current.length + 1 + word.length > maxLine &&
      word !== '' &&
      current.trim() !== '' &&
      current !== words[0]
    ) {
      lines.push(current);
      current = ` ${word}`;
    } else {
      current += ` ${word}`;
    }
  }
  lines.push(current);
  return lines.join(CRLF);
}

/** An unstructured header (Subject, custom headers), folded; falls back to encoded-words for a line no space can shorten. */
export function unstructuredHeader(name: string, value: string): string {
  const folded = foldHeader(`${name}: ${encodeHeaderText(value)}`);
  if (folded.split(CRLF).every((l) => l.length <= hardLimit)) return folded;
  return foldHeader(`${name}: ${encodeWords(value).join(' ')}`);
}

/** A mailbox for a header: display names outside printable ASCII become encoded-words. */
export function formatMailbox(address: Address): string {
  if (address.name === undefined || address.name === '') return address.address;
  if (isAscii(address.name) && !address.name.includes('=?')) return formatAddress(address);
  return `${encodeWords(address.name).join(' ')} <${address.address}>`;
}

function addressHeader(name: string, list: readonly Address[]): string {
  return foldHeader(`${name}: ${list.map(formatMailbox).join(', ')}`);
}

/** RFC 5322 date-time in UTC, e.g. `Sat, 28 Nov 2026 13:00:00 +0000`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/u, '+0000');
}

function base64Lines(content: Uint8Array | string): string {
  const data =
    typeof content === 'string'
      ? Buffer.from(content, 'utf8')
      : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  return data.toString('base64').replace(/.{76}(?=.)/gu, `$&${CRLF}`);
}

function textPart(content: string, subtype: 'plain' | 'html'): Part {
  const normalized = content.replace(/\r\n|\r|\n/gu, CRLF);
  const lines = normalized.split(CRLF);
  const sevenBit =
    isAscii(normalized.replace(/\r\n/gu, '')) &&
    lines.every((l) => l.length <= 76 && !l.startsWith('.') && !l.startsWith('From '));
  return {
    headers: [
      `Content-Type: text/${subtype}; charset=utf-8`,
      `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'base64'}`,
    ],
    body: sevenBit ? normalized : base64Lines(content),
  };
}

const tokenPattern = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/u;

/** The type/subtype of an attachment, or application/octet-stream when it is not a plain MIME type. */
export function safeContentType(contentType: unknown): string {
  // Defensive: core's contentTypeFor('x.constructor') currently yields a function (prototype lookup).
  const base = typeof contentType === 'string' ? (contentType.split(';')[0]?.trim() ?? '') : '';
  return tokenPattern.test(base) ? base.toLowerCase() : 'application/octet-stream';
}

/** A `name="value"` parameter, or RFC 2231 `name*=utf-8''…` (with continuations) for non-ASCII. */
function parameter(name: string, value: string): string[] {
  if (isAscii(value) && value.length <= 60)
    return [`${name}="${value.replace(/(["\\])/gu, '\\$1')}"`];
  const encoded = encodeURIComponent(value).replace(
    /['()*!]/gu,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  const first = `utf-8''${encoded}`;
  if (first.length <= 60) return [`${name}*=${first}`];
  const pieces: string[] = [];
  let rest = first;
  while (rest.length > 0) {
    let cut = Math.min(60, rest.length);
    // Never cut inside a %XX escape.
    const escape = rest.lastIndexOf('%', cut - 1);
    if (escape > cut - 3 && escape >= 0 && cut < rest.length) cut = escape;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return pieces.map((piece, i) => `${name}*${i}*=${piece}`);
}

function withParameters(value: string, params: string[]): string {
  return [value, ...params].join(`;${CRLF} `);
}

function attachmentPart(attachment: Attachment, inline: boolean): Part {
  const type = safeContentType(attachment.contentType);
  const legacyName = isAscii(attachment.filename)
    ? parameter('name', attachment.filename)
    : [`name="${encodeWords(attachment.filename).join(' ')}"`];
  const headers = [
    `Content-Type: ${withParameters(type, legacyName)}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: ${withParameters(inline ? 'inline' : 'attachment', parameter('filename', attachment.filename))}`,
  ];
  if (attachment.cid !== undefined) headers.push(`Content-ID: <${attachment.cid}>`);
  return { headers, body: base64Lines(attachment.content) };
}

function multipart(subtype: string, parts: Part[], boundary: string, extra: string[] = []): Part {
  const body =
    parts.map((p) => `--${boundary}${CRLF}${render(p)}${CRLF}`).join('') + `--${boundary}--`;
  return {
    headers: [
      `Content-Type: ${withParameters(`multipart/${subtype}`, [...extra, `boundary="${boundary}"`])}`,
    ],
    body,
  };
}

function render(part: Part): string {
  return `${part.headers.join(CRLF)}${CRLF}${CRLF}${part.body}`;
}

function defaultBoundary(): string {
  // "=_" cannot occur in base64 or 7bit-safe text we produce by chance at this length.
  return `=_rk_${randomBytes(12).toString('hex')}`;
}

/** The MIME body tree of a message, without its top-level message headers. */
function bodyOf(message: Message, boundary: () => string): Part {
  const hasHtml = message.html !== undefined;
  const inline = hasHtml ? message.attachments.filter((a) => a.cid !== undefined) : [];
  const regular = message.attachments.filter((a) => !inline.includes(a));
  const text = message.text === undefined ? undefined : textPart(message.text, 'plain');
  let html = message.html === undefined ? undefined : textPart(message.html, 'html');
  if (html && inline.length > 0) {
    html = multipart('related', [html, ...inline.map((a) => attachmentPart(a, true))], boundary(), [
      'type="text/html"',
    ]);
  }
  let body =
    text && html ? multipart('alternative', [text, html], boundary()) : ((text ?? html) as Part);
  if (regular.length > 0)
    body = multipart(
      'mixed',
      [body, ...regular.map((a) => attachmentPart(a, a.cid !== undefined))],
      boundary(),
    );
  return body;
}

/**
 * The full RFC 5322 message as bytes. Bcc is not written (SES takes the envelope recipients from
 * Destination); Date is written although SES replaces it, and Message-ID is left to SES.
 */
export function buildMime(message: Message, options: MimeOptions = {}): Uint8Array {
  const boundary = options.boundary ?? defaultBoundary;
  const lines = [addressHeader('From', [message.from])];
  if (message.replyTo.length > 0) lines.push(addressHeader('Reply-To', message.replyTo));
  if (message.to.length > 0) lines.push(addressHeader('To', message.to));
  if (message.cc.length > 0) lines.push(addressHeader('Cc', message.cc));
  lines.push(unstructuredHeader('Subject', message.subject));
  lines.push(`Date: ${formatDate(options.date ?? new Date())}`);
  for (const [name, value] of Object.entries(message.headers))
    lines.push(unstructuredHeader(name, value));
  // Structured (List-Unsubscribe and the like): ASCII by construction, folded but never encoded.
  for (const [name, value] of Object.entries(options.headers ?? {}))
    lines.push(foldHeader(`${name}: ${value}`));
  lines.push('MIME-Version: 1.0');
  const body = bodyOf(message, boundary);
  return Buffer.from(`${lines.join(CRLF)}${CRLF}${render(body)}${CRLF}`, 'utf8');
}
