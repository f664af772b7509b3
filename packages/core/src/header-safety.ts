import { RelayError } from './errors.ts';

/**
 * What may not appear in a value that ends up in a mail header (or an HTTP header: the Resend
 * Idempotency-Key). RFC 5322 §2.2 builds a header field of printable characters and folding
 * white space; a CR or LF ends the field, so one smuggled in starts a header of the caller's
 * choosing (a Bcc, or a whole body). relaykit is stricter than the grammar and refuses every
 * control character in these fields, not only CR and LF:
 * - C0 controls U+0000-U+001F: CR, LF and NUL, and HTAB too (a header-bound value has no use for
 *   it, and some transports fold on it),
 * - DEL U+007F and the C1 controls U+0080-U+009F (U+0085 NEXT LINE is a line break to many parsers),
 * - U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR (line breaks to JavaScript and to
 *   Unicode-aware mail readers).
 */
// Control characters are exactly what this pattern exists to find.
// eslint-disable-next-line no-control-regex
export const headerUnsafePattern = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** RFC 5322 §3.6.8 field-name: printable US-ASCII except colon. */
export const headerNamePattern = /^[!-9;-~]+$/u;

/** True when the string has no character a header-bound field may not carry. */
export function isHeaderSafe(value: string): boolean {
  return !headerUnsafePattern.test(value);
}

const names: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed (LF)',
  0x0b: 'vertical tab',
  0x0c: 'form feed',
  0x0d: 'carriage return (CR)',
  0x7f: 'DEL',
  0x85: 'next line (NEL)',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
};

/**
 * Why a string may not go into a header: which character, and where. Undefined when it may.
 * The wording is what a ValidationError tells the caller.
 */
export function headerFault(value: string): string | undefined {
  const match = headerUnsafePattern.exec(value);
  if (!match) return undefined;
  const code = match[0].codePointAt(0) as number;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = names[code] ?? 'control character';
  return `contains a ${name} (${hex}) at index ${match.index}; header-bound fields may not carry CR, LF, NUL, tabs or other control characters (header injection): remove it`;
}

/**
 * Throws the ValidationError (RelayError of kind 'invalid', naming the field) for a message with
 * a control character in a header-bound field. Adapters call it before building a request.
 */
export function assertHeaderSafe(message: HeaderBound, provider?: string): void {
  const found = unsafeHeaderField(message);
  if (found === undefined) return;
  throw new RelayError({
    kind: 'invalid',
    field: found.field,
    ...(provider === undefined ? {} : { provider }),
    message: `${found.field}: ${found.fault}`,
  });
}

/** The parts of a message that end up in headers (a structural type: adapters pass a Message). */
export interface HeaderBound {
  from: { address: string; name?: string | undefined };
  to: ReadonlyArray<{ address: string; name?: string | undefined }>;
  cc: ReadonlyArray<{ address: string; name?: string | undefined }>;
  bcc: ReadonlyArray<{ address: string; name?: string | undefined }>;
  replyTo: ReadonlyArray<{ address: string; name?: string | undefined }>;
  subject: string;
  headers: Readonly<Record<string, string>>;
  tags: readonly string[];
  metadata: Readonly<Record<string, string>>;
  stream?: string | undefined;
  idempotencyKey: string;
  listUnsubscribe?: { url?: string | undefined; mailto?: string | undefined } | undefined;
  attachments: ReadonlyArray<{ filename: string; contentType: string; cid?: string | undefined }>;
}

/**
 * The first header-bound field of a message that carries a control character, or undefined.
 * normalizeMessage already refuses these; adapters check again because a Message can be built by
 * hand and handed to `provider.send` directly, and a header must never be injected either way.
 */
export function unsafeHeaderField(
  message: HeaderBound,
): { field: string; fault: string } | undefined {
  const check = (field: string, value: string | undefined) => {
    if (value === undefined || !headerUnsafePattern.test(value)) return undefined;
    return { field, fault: headerFault(value) as string };
  };
  const mailboxes = (field: string, list: HeaderBound['to']) => {
    for (const [i, a] of list.entries()) {
      const found = check(`${field}[${i}]`, a.address) ?? check(`${field}[${i}]`, a.name);
      if (found) return found;
    }
    return undefined;
  };
  const record = (field: string, values: Readonly<Record<string, string>>) => {
    for (const [key, value] of Object.entries(values)) {
      const found = check(field, key) ?? check(`${field}.${key}`, value);
      if (found) return found;
      if (field === 'headers' && !headerNamePattern.test(key))
        return { field, fault: 'a header name is printable ASCII without spaces or colons' };
    }
    return undefined;
  };
  let found =
    check('subject', message.subject) ??
    check('from', message.from.address) ??
    check('from', message.from.name) ??
    mailboxes('to', message.to) ??
    mailboxes('cc', message.cc) ??
    mailboxes('bcc', message.bcc) ??
    mailboxes('replyTo', message.replyTo) ??
    record('headers', message.headers) ??
    record('metadata', message.metadata) ??
    check('stream', message.stream) ??
    check('idempotencyKey', message.idempotencyKey) ??
    check('listUnsubscribe.url', message.listUnsubscribe?.url) ??
    check('listUnsubscribe.mailto', message.listUnsubscribe?.mailto);
  for (const [i, tag] of message.tags.entries()) found ??= check(`tags.${i}`, tag);
  for (const [i, a] of message.attachments.entries()) {
    found ??=
      check(`attachments.${i}.filename`, a.filename) ??
      check(`attachments.${i}.contentType`, a.contentType) ??
      check(`attachments.${i}.cid`, a.cid);
  }
  return found;
}
