import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { AddressError, addressKey, parseAddress, type Address } from './address.ts';
import { RelayError } from './errors.ts';
import { newMessageId } from './ids.ts';
import { contentTypeFor } from './mime-types.ts';

export interface Attachment {
  filename: string;
  content: Uint8Array;
  contentType: string;
  /** Content-ID for inline use (`<img src="cid:...">`); absent for ordinary attachments. */
  cid?: string;
}

export interface ListUnsubscribe {
  url?: string;
  mailto?: string;
  /** RFC 8058 one-click (List-Unsubscribe-Post); needs an https url. */
  oneClick: boolean;
}

/** A message after validation and normalisation: what adapters receive. */
export interface Message {
  /** relaykit's id for this message; events and the ledger are keyed by it. */
  id: string;
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  subject: string;
  text?: string;
  html?: string;
  attachments: Attachment[];
  /** Extra headers; names as given, values free of CR/LF. */
  headers: Record<string, string>;
  tags: string[];
  metadata: Record<string, string>;
  stream?: string;
  /** Sent unchanged on every attempt where the provider supports idempotency. */
  idempotencyKey: string;
  listUnsubscribe?: ListUnsubscribe;
  sendAt?: Date;
}

/** Default size ceiling for text, html and attachments together (SES v2's 40 MB). */
export const defaultMaxMessageBytes = 40 * 1024 * 1024;

/** A string without CR or LF (header injection), optionally bounded in length. */
const noLineBreak = (what: string, bounds: { min?: number; max?: number } = {}) => {
  let schema = z.string();
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return schema.refine((v) => !/[\r\n]/u.test(v), { message: `${what} must not contain CR or LF` });
};

const addressInput = z.union([
  z.string(),
  z.object({ address: z.string(), name: z.string().optional() }),
]);
const addressList = z.union([addressInput, z.array(addressInput)]).optional();

const attachmentInput = z
  .object({
    filename: noLineBreak('attachment filename').optional(),
    content: z.union([z.string(), z.instanceof(Uint8Array), z.instanceof(ArrayBuffer)]).optional(),
    encoding: z.enum(['base64', 'utf8']).optional(),
    path: z.string().optional(),
    contentType: noLineBreak('attachment content type').optional(),
    cid: noLineBreak('attachment cid').optional(),
  })
  .refine((a) => (a.content === undefined) !== (a.path === undefined), {
    message: 'give exactly one of content or path',
  });

/** Headers relaykit sets from message fields; setting them by hand would bypass validation. */
const reservedHeaders = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'list-unsubscribe',
  'list-unsubscribe-post',
]);

const headerName = /^[!-9;-~]+$/u;

/** The message fields, each validated on its own (the object-level rule follows below). */
const messageShape = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/u)
    .optional(),
  from: addressInput,
  to: addressList,
  cc: addressList,
  bcc: addressList,
  replyTo: addressList,
  subject: noLineBreak('subject', { max: 998 }),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(attachmentInput).max(100).optional(),
  headers: z
    .record(
      z.string().regex(headerName, 'header names are printable ASCII without spaces or colons'),
      noLineBreak('header value'),
    )
    .optional(),
  tags: z
    .array(noLineBreak('tag', { min: 1, max: 128 }))
    .max(50)
    .optional(),
  metadata: z
    .record(z.string().min(1).max(128), z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
  stream: z.string().min(1).optional(),
  idempotencyKey: z.string().min(1).max(256).optional(),
  listUnsubscribe: z
    .object({
      url: z.url({ protocol: /^https?$/u }).optional(),
      mailto: z.string().optional(),
      oneClick: z.boolean().optional(),
    })
    .refine((u) => u.url !== undefined || u.mailto !== undefined, {
      message: 'give a url or a mailto',
    })
    .refine((u) => !u.oneClick || (u.url?.startsWith('https:') ?? false), {
      message: 'one-click unsubscribe (RFC 8058) needs an https url',
    })
    .optional(),
  sendAt: z.union([z.date(), z.iso.datetime({ offset: true })]).optional(),
});

const needsBody = (m: { text?: string | undefined; html?: string | undefined }) =>
  m.text !== undefined || m.html !== undefined;

export const messageInputSchema = messageShape.refine(needsBody, {
  message: 'a message needs text or html',
  path: ['text'],
});

type Shape = typeof messageShape.shape;
const required = ['from', 'subject'] as const;
const picked = new Map<string, z.ZodType>();

/**
 * The schema for the fields a message actually has. Parsing a field that is absent still costs,
 * and most messages use a handful of the optional ones: the schema picked for each set of
 * fields is cached (the same validation, a third of the work on the send path).
 */
function schemaFor(input: unknown): z.ZodType {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return messageShape;
  const keys = new Set<string>(required);
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && Object.hasOwn(messageShape.shape, key)) keys.add(key);
  }
  const signature = [...keys].sort().join(',');
  let schema = picked.get(signature);
  if (!schema) {
    if (picked.size >= 256) picked.clear();
    const mask = Object.fromEntries([...keys].map((k) => [k, true])) as {
      [K in keyof Shape]?: true;
    };
    schema = messageShape.pick(mask);
    picked.set(signature, schema);
  }
  return schema;
}

export type MessageInput = z.input<typeof messageInputSchema>;

export interface NormalizeOptions {
  maxMessageBytes?: number;
}

function invalid(field: string, message: string, cause?: unknown): RelayError {
  return new RelayError({ kind: 'invalid', field, message: `${field}: ${message}`, cause });
}

function toList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function parseList(field: string, value: unknown): Address[] {
  return toList(value).map((entry, i) => {
    try {
      return parseAddress(entry as Parameters<typeof parseAddress>[0]);
    } catch (error) {
      if (error instanceof AddressError) throw invalid(`${field}[${i}]`, error.message, error);
      throw error;
    }
  });
}

async function toAttachment(
  input: z.output<typeof attachmentInput>,
  index: number,
): Promise<Attachment> {
  let content: Uint8Array;
  if (input.path !== undefined) {
    try {
      content = new Uint8Array(await readFile(input.path));
    } catch (error) {
      throw invalid(`attachments[${index}].path`, `cannot read ${input.path}`, error);
    }
  } else if (typeof input.content === 'string') {
    content = Buffer.from(input.content, input.encoding === 'base64' ? 'base64' : 'utf8');
  } else if (input.content instanceof ArrayBuffer) {
    content = new Uint8Array(input.content);
  } else {
    content = input.content as Uint8Array;
  }
  const filename = input.filename ?? (input.path === undefined ? undefined : basename(input.path));
  if (filename === undefined || filename === '') {
    throw invalid(`attachments[${index}].filename`, 'an attachment needs a filename');
  }
  const attachment: Attachment = {
    filename,
    content,
    contentType: input.contentType ?? contentTypeFor(filename),
  };
  if (input.cid !== undefined) attachment.cid = input.cid.replace(/^<|>$/gu, '');
  return attachment;
}

/**
 * Validates and normalises a message at the boundary: addresses parsed (IDN domains to punycode),
 * recipients deduplicated across to, cc and bcc (first place wins), attachments read into bytes.
 * Any fault is a RelayError of kind 'invalid' naming the field; nothing reaches a provider.
 */
export async function normalizeMessage(
  input: unknown,
  options: NormalizeOptions = {},
): Promise<Message> {
  const parsed = schemaFor(input).safeParse(input) as ReturnType<typeof messageShape.safeParse>;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'message';
    throw invalid(field, issue?.message ?? 'invalid message', parsed.error);
  }
  const m = parsed.data;
  if (!needsBody(m)) throw invalid('text', 'a message needs text or html');
  const from = parseList('from', m.from)[0] as Address;
  const seen = new Set<string>();
  const unique = (list: Address[]) =>
    list.filter((a) => {
      const key = addressKey(a.address);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  const to = unique(parseList('to', m.to));
  const cc = unique(parseList('cc', m.cc));
  const bcc = unique(parseList('bcc', m.bcc));
  if (to.length + cc.length + bcc.length === 0)
    throw invalid('to', 'a message needs at least one recipient');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (reservedHeaders.has(name.toLowerCase())) {
      throw invalid(`headers.${name}`, `set ${name} through its message field, not as a header`);
    }
    headers[name] = value;
  }

  const attachments = m.attachments?.length
    ? await Promise.all(m.attachments.map((a, i) => toAttachment(a, i)))
    : [];
  const maxBytes = options.maxMessageBytes ?? defaultMaxMessageBytes;
  const size =
    Buffer.byteLength(m.text ?? '') +
    Buffer.byteLength(m.html ?? '') +
    attachments.reduce((sum, a) => sum + a.content.byteLength, 0);
  if (size > maxBytes) {
    throw invalid(
      'attachments',
      `message is ${size} bytes, over the ${maxBytes}-byte limit; link large files instead`,
    );
  }

  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(m.metadata ?? {})) metadata[key] = String(value);

  const id = m.id ?? newMessageId();
  const message: Message = {
    id,
    from,
    to,
    cc,
    bcc,
    replyTo: parseList('replyTo', m.replyTo),
    subject: m.subject,
    attachments,
    headers,
    tags: [...new Set(m.tags ?? [])],
    metadata,
    idempotencyKey: m.idempotencyKey ?? id,
  };
  if (m.text !== undefined) message.text = m.text;
  if (m.html !== undefined) message.html = m.html;
  if (m.stream !== undefined) message.stream = m.stream;
  if (m.listUnsubscribe !== undefined) {
    const { url, mailto, oneClick } = m.listUnsubscribe;
    message.listUnsubscribe = {
      oneClick: oneClick ?? false,
      ...(url ? { url } : {}),
      ...(mailto ? { mailto } : {}),
    };
  }
  if (m.sendAt !== undefined)
    message.sendAt = m.sendAt instanceof Date ? m.sendAt : new Date(m.sendAt);
  return message;
}

/** Every recipient of a message, in order: to, cc, bcc. */
export function recipientsOf(message: Pick<Message, 'to' | 'cc' | 'bcc'>): string[] {
  return [...message.to, ...message.cc, ...message.bcc].map((a) => a.address);
}

/** A copy of the message without the given recipients (compared case-insensitively). */
export function withoutRecipients<T extends Pick<Message, 'to' | 'cc' | 'bcc'>>(
  message: T,
  drop: Iterable<string>,
): T {
  const gone = new Set([...drop].map(addressKey));
  const keep = (list: Address[]) => list.filter((a) => !gone.has(addressKey(a.address)));
  return { ...message, to: keep(message.to), cc: keep(message.cc), bcc: keep(message.bcc) };
}

/** The List-Unsubscribe headers a message's unsubscribe option implies. */
export function listUnsubscribeHeaders(
  message: Pick<Message, 'listUnsubscribe'>,
): Record<string, string> {
  const u = message.listUnsubscribe;
  if (!u) return {};
  const targets = [
    u.mailto ? `<mailto:${u.mailto.replace(/^mailto:/u, '')}>` : undefined,
    u.url ? `<${u.url}>` : undefined,
  ].filter((t): t is string => t !== undefined);
  const headers: Record<string, string> = { 'List-Unsubscribe': targets.join(', ') };
  if (u.oneClick) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  return headers;
}
