import { createHash } from 'node:crypto';
import { RelayError, type Address, type Message } from '@relaykit/core';
import {
  base64Content,
  outgoingHeaders,
  assertHeaderSafe,
  formatAddress,
  headerFault,
  isHeaderSafe,
  templateIdFor,
} from '@relaykit/core/adapter';
import type { CreateEmailOptions } from 'resend';

/** A Resend tag: name and value of ASCII letters, digits, `_` and `-`, 256 characters at most. */
export interface ResendTag {
  name: string;
  value: string;
}

/** The tag that carries the message's stream, so events can say which stream they belong to. */
export const streamTag = 'relaykit_stream';

/** Resend's documented ceiling of tags per email. */
export const maxTags = 75;

/** Largest Idempotency-Key Resend takes. */
const maxKeyLength = 256;

/**
 * Makes a string a valid Resend tag name or value: every character outside `[A-Za-z0-9_-]`
 * becomes `_`, and the result is cut to 256 characters. Lossy by design (Resend refuses anything
 * else); an empty string becomes `_`.
 */
export function sanitizeTag(value: string): string {
  const clean = value.replace(/[^A-Za-z0-9_-]/gu, '_').slice(0, 256);
  return clean === '' ? '_' : clean;
}

const plainValue = /^[A-Za-z0-9_-]{1,256}$/u;
const encodedPrefix = 'rk64_';

/**
 * Encodes a value that must come back unchanged (the message id, the stream) as a tag value:
 * as it is when Resend allows it, otherwise `rk64_` + base64url (whose alphabet Resend allows).
 */
export function encodeTagValue(value: string): string {
  if (plainValue.test(value) && !value.startsWith(encodedPrefix)) return value;
  return `${encodedPrefix}${Buffer.from(value, 'utf8').toString('base64url')}`.slice(0, 256);
}

/** Reverses `encodeTagValue`. */
export function decodeTagValue(value: string): string {
  if (!value.startsWith(encodedPrefix)) return value;
  return Buffer.from(value.slice(encodedPrefix.length), 'base64url').toString('utf8');
}

export interface ConvertOptions {
  messageIdTag: string;
}

/**
 * relaykit tags and metadata as Resend tags:
 * - a tag `t` becomes `{ name: t, value: t }` (Resend tags are pairs; name = value marks a plain tag),
 * - a metadata entry `k: v` becomes `{ name: k, value: v }`,
 * - the message id and stream travel as `relaykit_message_id` and `relaykit_stream`, encoded
 *   reversibly (`encodeTagValue`),
 * the others sanitised (`sanitizeTag`). A later entry with the same sanitised name replaces an earlier one; relaykit's
 * own tags always win.
 */
export function toResendTags(
  message: Pick<Message, 'id' | 'tags' | 'metadata' | 'stream'>,
  options: ConvertOptions,
): ResendTag[] {
  // Most messages carry no tags, metadata or stream: the message id is the one tag.
  if (
    message.tags.length === 0 &&
    message.stream === undefined &&
    Object.keys(message.metadata).length === 0
  )
    return [{ name: options.messageIdTag, value: encodeTagValue(message.id) }];
  const byName = new Map<string, string>();
  for (const tag of message.tags) {
    const clean = sanitizeTag(tag);
    byName.set(clean, clean);
  }
  for (const [key, value] of Object.entries(message.metadata))
    byName.set(sanitizeTag(key), sanitizeTag(value));
  byName.delete(options.messageIdTag);
  byName.delete(streamTag);
  byName.set(options.messageIdTag, encodeTagValue(message.id));
  if (message.stream !== undefined) byName.set(streamTag, encodeTagValue(message.stream));
  if (byName.size > maxTags) {
    throw new RelayError({
      kind: 'invalid',
      provider: 'resend',
      field: 'tags',
      message: `tags and metadata make ${byName.size} Resend tags (relaykit adds ${message.stream === undefined ? 1 : 2}); Resend takes at most ${maxTags}: drop some`,
    });
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

const list = (addresses: readonly Address[]) => addresses.map(formatAddress);

/**
 * Message → `resend.emails.send` payload (pure). Attachments are sent as base64 `content` (relaykit
 * has already read `path` attachments into bytes; Resend's own `path` means a URL it fetches), with
 * `contentId` for inline ones. List-Unsubscribe travels as headers.
 */
export function toResendEmail(message: Message, options: ConvertOptions): CreateEmailOptions {
  assertHeaderSafe(message, 'resend');
  const headers = outgoingHeaders(message);
  const template = message.template === undefined ? undefined : templateIdFor(message, 'resend');
  const email: CreateEmailOptions = (
    template === undefined
      ? {
          from: formatAddress(message.from),
          to: list(message.to),
          subject: message.subject,
          tags: toResendTags(message, options),
          ...(message.html === undefined ? {} : { html: message.html }),
          ...(message.text === undefined ? {} : { text: message.text }),
        }
      : {
          from: formatAddress(message.from),
          to: list(message.to),
          tags: toResendTags(message, options),
          template: { id: template, variables: templateVariables(message) },
        }
  ) as CreateEmailOptions;
  if (message.cc.length > 0) email.cc = list(message.cc);
  if (message.bcc.length > 0) email.bcc = list(message.bcc);
  if (message.replyTo.length > 0) email.replyTo = list(message.replyTo);
  if (Object.keys(headers).length > 0) email.headers = headers;
  // A sendAt already past is sent now; the relay hands on a future one only within 30 days.
  if (message.sendAt !== undefined && message.sendAt.getTime() > Date.now())
    email.scheduledAt = message.sendAt.toISOString();
  if (message.attachments.length > 0) {
    email.attachments = message.attachments.map((a) => ({
      filename: a.filename,
      content: base64Content(a),
      contentType: a.contentType,
      ...(a.cid === undefined ? {} : { contentId: a.cid }),
    }));
  }
  return email;
}

/** One copy of the message per recipient, each addressed to that recipient alone in To. */
/**
 * A template's merge data as Resend's variables: a flat record of strings and numbers (resend 6.x
 * `EmailTemplateOptions.template.variables`, https://resend.com/docs/dashboard/templates/template-variables).
 * A boolean goes as its text; anything nested is refused, naming the key to flatten.
 */
export function templateVariables(
  message: Pick<Message, 'template'>,
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(message.template?.data ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
    else if (typeof value === 'boolean') out[key] = String(value);
    else {
      throw new RelayError({
        kind: 'invalid',
        provider: 'resend',
        field: `template.data.${key}`,
        message: `template.data.${key}: Resend template variables are flat strings and numbers; give ${key} as one, or flatten it into its own keys`,
      });
    }
  }
  return out;
}

export function splitByRecipient(message: Message): Array<{ recipient: string; message: Message }> {
  return [...message.to, ...message.cc, ...message.bcc].map((address) => ({
    recipient: address.address,
    message: { ...message, to: [address], cc: [], bcc: [] },
  }));
}

/**
 * A derived idempotency key (`base:part`), stable across retries.
 */
export function deriveIdempotencyKey(base: string, ...parts: string[]): string {
  const key = [base, ...parts].join(':');
  if (!isHeaderSafe(key)) {
    // An HTTP header cannot carry it (RFC 9110 §5.5): a caller's mistake, never a transient fault.
    throw new RelayError({
      kind: 'invalid',
      provider: 'resend',
      field: 'idempotencyKey',
      message: `idempotencyKey: ${headerFault(key) ?? ''}`,
    });
  }
  // Printable ASCII goes as it is; a longer key, or one with other characters (fetch refuses
  // anything past Latin-1 in a header), as the SHA-256 of the same text, just as stable.
  if (key.length <= maxKeyLength && /^[\x20-\x7e]*$/u.test(key)) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** Whether the batch endpoint can carry the message (it takes no attachments). */
export function batchable(message: Message): boolean {
  return message.attachments.length === 0;
}
