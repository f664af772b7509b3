import type { MessageTag } from '@aws-sdk/client-sesv2';

/**
 * SES EmailTags allow only ASCII letters, digits, `_` and `-`, at most 256 characters, in names and
 * values. Names are sanitised (lossy, readable in the console); values relaykit must read back
 * (message id, stream, metadata) are kept as they are when they already fit, and otherwise written
 * as `b64_` + base64url, whose alphabet is exactly the allowed set.
 */
const allowed = /^[A-Za-z0-9_-]+$/u;
const encodedPrefix = 'b64_';
export const maxTagLength = 256;

/** A readable tag name: runs of disallowed characters become `_`; '' when nothing is left. */
export function sanitizeTagName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9_-]+/gu, '_')
    .slice(0, maxTagLength)
    .replace(/^_+$/u, '');
}

/** A reversible tag value, or undefined when it cannot fit in 256 characters. */
export function encodeTagValue(value: string): string | undefined {
  const plain = value !== '' && allowed.test(value) && !value.startsWith(encodedPrefix);
  const encoded = plain ? value : encodedPrefix + Buffer.from(value, 'utf8').toString('base64url');
  return encoded.length <= maxTagLength ? encoded : undefined;
}

export function decodeTagValue(value: string): string {
  if (!value.startsWith(encodedPrefix)) return value;
  const body = value.slice(encodedPrefix.length);
  return body === '' || allowed.test(body)
    ? Buffer.from(body, 'base64url').toString('utf8')
    : value;
}

export interface TagInput {
  messageIdTag: string;
  messageId: string;
  stream?: string | undefined;
  tags: readonly string[];
  metadata: Readonly<Record<string, string>>;
}

export const streamTag = 'relaykit-stream';
/** The value a relaykit tag (a label, not a name/value pair) carries. */
export const labelValue = 'true';

/**
 * The EmailTags of a message: relaykit's message id first (so events find their message), the
 * stream, then each tag as `name=true` and each metadata entry as `key=value`. Duplicate names
 * after sanitising keep the first.
 */
export function toEmailTags(input: TagInput): MessageTag[] {
  const out: MessageTag[] = [];
  const seen = new Set<string>();
  const add = (name: string, value: string | undefined) => {
    if (name === '' || value === undefined || seen.has(name)) return;
    seen.add(name);
    out.push({ Name: name, Value: value });
  };
  add(input.messageIdTag, encodeTagValue(input.messageId));
  if (input.stream !== undefined) add(streamTag, encodeTagValue(input.stream));
  for (const tag of input.tags) add(sanitizeTagName(tag), labelValue);
  for (const [key, value] of Object.entries(input.metadata))
    add(sanitizeTagName(key), encodeTagValue(value));
  return out;
}

export interface ReadTags {
  messageId?: string;
  stream?: string;
  tags: string[];
  metadata: Record<string, string>;
}

/** Reads `mail.tags` ({name: [values]}) back: SES's own `ses:*` tags are skipped. */
export function fromMailTags(mailTags: unknown, messageIdTag: string): ReadTags {
  const result: ReadTags = { tags: [], metadata: {} };
  if (typeof mailTags !== 'object' || mailTags === null || Array.isArray(mailTags)) return result;
  for (const [name, values] of Object.entries(mailTags as Record<string, unknown>)) {
    const first = Array.isArray(values)
      ? values.find((v): v is string => typeof v === 'string')
      : typeof values === 'string'
        ? values
        : undefined;
    if (first === undefined || name.startsWith('ses:') || name.startsWith('aws:')) continue;
    if (name === messageIdTag) result.messageId = decodeTagValue(first);
    else if (name === streamTag) result.stream = decodeTagValue(first);
    else if (first === labelValue) result.tags.push(name);
    else result.metadata[name] = decodeTagValue(first);
  }
  return result;
}
