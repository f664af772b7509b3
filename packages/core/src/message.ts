import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import {
  AddressError,
  addressDomain,
  addressKey,
  parseAddress,
  parseAddressList,
  parseRepeatedAddress,
  type Address,
} from './address.ts';
import { RelayError } from './errors.ts';
import {
  headerFault,
  headerNamePattern,
  headerUnsafePattern,
  isHeaderSafe,
} from './header-safety.ts';
import { unknownKeyAdvice } from './suggest.ts';
import { newMessageId } from './ids.ts';
import { contentTypeFor } from './mime-types.ts';

export interface Attachment {
  filename: string;
  content: Uint8Array;
  contentType: string;
  /** Content-ID for inline use (`<img src="cid:...">`); absent for ordinary attachments. */
  cid?: string;
}

/** The providers whose stored templates a message can name by their own id. */
export const templateProviderTypes = ['ses', 'postmark', 'mailgun', 'resend'] as const;
export type TemplateProviderType = (typeof templateProviderTypes)[number];

/**
 * A provider-stored template and its merge data, in place of subject and body. `id` is the id
 * (or alias, or name) every template-capable provider uses unless `ids` names one for its type;
 * without `id`, only the providers `ids` names can send the message and routing skips the rest.
 */
export interface MessageTemplate {
  id?: string;
  ids: Partial<Record<TemplateProviderType, string>>;
  /** The merge data: JSON values, read by `{{name}}` and `{{a.b}}` placeholders. */
  data: Record<string, unknown>;
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
  /** Empty for a templated message: the template carries its subject. */
  subject: string;
  text?: string;
  html?: string;
  attachments: Attachment[];
  /** Extra headers; names as given, values free of control characters (header-safety.ts). */
  headers: Record<string, string>;
  tags: string[];
  metadata: Record<string, string>;
  stream?: string;
  /** Sent unchanged on every attempt where the provider supports idempotency. */
  idempotencyKey: string;
  listUnsubscribe?: ListUnsubscribe;
  sendAt?: Date;
  /** A provider template in place of subject, text and html (never both). */
  template?: MessageTemplate;
}

/**
 * The id a provider of `type` sends a templated message with: its own in `template.ids`, else
 * the generic `template.id`; undefined when it has none (routing then skips that provider).
 */
export function templateIdFor(
  message: Pick<Message, 'template'>,
  type: string,
): string | undefined {
  const template = message.template;
  if (template === undefined) return undefined;
  return (template.ids as Record<string, string | undefined>)[type] ?? template.id;
}

/** Default size ceiling for text, html and attachments together (SES v2's 40 MB). */
export const defaultMaxMessageBytes = 40 * 1024 * 1024;

/**
 * A string that may end up in a header: no control characters (CR, LF, NUL, tab, DEL, C1,
 * U+2028/U+2029; see header-safety.ts), optionally bounded in length.
 */
const headerText = (bounds: { min?: number; max?: number } = {}) => {
  let schema = z.string();
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return schema.superRefine((v, ctx) => {
    const fault = headerFault(v);
    if (fault !== undefined) ctx.addIssue({ code: 'custom', message: fault });
  });
};

/** A List-Unsubscribe target goes inside `<...>` (RFC 2369 §2): nothing may close the bracket. */
const bracketSafe = (v: string) => !/[<>\s]/u.test(v);

/** An address, or a mailto: URI (RFC 6068) whose address part, before any `?`, is one. */
function isMailto(value: string): boolean {
  const target = value.replace(/^mailto:/iu, '');
  const query = target.indexOf('?');
  try {
    parseAddress(decodeURIComponent(query === -1 ? target : target.slice(0, query)));
    return true;
  } catch {
    return false;
  }
}

const addressInput = z.union([
  z.string(),
  z.strictObject({ address: z.string(), name: z.string().optional() }),
]);
const addressList = z.union([addressInput, z.array(addressInput)]).optional();

const attachmentInput = z
  .strictObject({
    filename: headerText().optional(),
    content: z.union([z.string(), z.instanceof(Uint8Array), z.instanceof(ArrayBuffer)]).optional(),
    encoding: z.enum(['base64', 'utf8']).optional(),
    path: z.string().optional(),
    contentType: headerText().optional(),
    cid: headerText().optional(),
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

const headerName = headerNamePattern;

/** A template id, alias or name: one header-safe line (SES names go up to 64, others longer). */
const templateName = () => headerText({ min: 1, max: 256 });

const templateInput = z
  .strictObject({
    id: templateName().optional(),
    data: z.record(z.string(), z.json()).optional(),
    ids: z
      .strictObject({
        ses: templateName().optional(),
        postmark: templateName().optional(),
        mailgun: templateName().optional(),
        resend: templateName().optional(),
      })
      .optional(),
  })
  .refine((t) => t.id !== undefined || Object.values(t.ids ?? {}).some((v) => v !== undefined), {
    message:
      "give the template an id (every provider's), or ids per provider ({ ses: 'Welcome', postmark: 'welcome' })",
  });

/** The message fields, each validated on its own (the object-level rule follows below). */
const messageShape = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/u)
    .optional(),
  from: addressInput,
  to: addressList,
  cc: addressList,
  bcc: addressList,
  replyTo: addressList,
  subject: headerText({ max: 998 }).optional(),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(attachmentInput).max(100).optional(),
  headers: z
    .record(
      z.string().regex(headerName, 'header names are printable ASCII without spaces or colons'),
      headerText(),
    )
    .optional(),
  tags: z
    .array(headerText({ min: 1, max: 128 }))
    .max(50)
    .optional(),
  metadata: z
    .record(headerText({ min: 1, max: 128 }), z.union([headerText(), z.number(), z.boolean()]))
    .optional(),
  stream: headerText({ min: 1 }).optional(),
  idempotencyKey: headerText({ min: 1, max: 256 }).optional(),
  listUnsubscribe: z
    .strictObject({
      url: headerText()
        .pipe(z.url({ protocol: /^https?$/u }))
        .refine(bracketSafe, {
          message: 'a URL may not contain spaces, < or >; percent-encode them',
        })
        .optional(),
      mailto: headerText()
        .refine(bracketSafe, { message: 'a mailto may not contain spaces, < or >' })
        .refine(isMailto, {
          message: 'give an address, or a mailto: URI (mailto:unsubscribe@x.test?subject=stop)',
        })
        .optional(),
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
  template: templateInput.optional(),
});

const needsBody = (m: { text?: string | undefined; html?: string | undefined }) =>
  m.text !== undefined || m.html !== undefined;

/** Content or a template, never both, never neither; undefined when the message is well formed. */
function contentFault(m: {
  subject?: string | undefined;
  text?: string | undefined;
  html?: string | undefined;
  template?: unknown;
}): { field: string; message: string } | undefined {
  if (m.template !== undefined) {
    const given = (['subject', 'text', 'html'] as const).filter((k) => m[k] !== undefined);
    if (given.length === 0) return undefined;
    return {
      field: 'template',
      message: `a templated message takes its subject and body from the template; drop ${given.join(', ')}, or drop template to send content`,
    };
  }
  if (m.subject === undefined)
    return { field: 'subject', message: 'a message needs a subject (or a template)' };
  if (!needsBody(m))
    return { field: 'text', message: 'a message needs text or html (or a template)' };
  return undefined;
}

export const messageInputSchema = messageShape.superRefine((m, ctx) => {
  const fault = contentFault(m);
  if (fault) ctx.addIssue({ code: 'custom', message: fault.message, path: [fault.field] });
});

type Shape = typeof messageShape.shape;
const required = ['from'] as const;
const picked = new Map<string, z.ZodType>();

/**
 * The schema for the fields a message actually has. Parsing a field that is absent still costs,
 * and most messages use a handful of the optional ones: the schema picked for each set of
 * fields is cached.
 */
function schemaFor(input: unknown): z.ZodType {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return messageShape;
  const keys = new Set<string>(required);
  for (const key of Object.keys(input)) {
    // A known key given as undefined is picked too: the strict schema would refuse it otherwise.
    if (Object.hasOwn(messageShape.shape, key)) keys.add(key);
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

/** What the schema's parse yields, as normalizeMessage reads it. */
type Fields = z.output<typeof messageShape>;

const idPattern = /^[A-Za-z0-9_.:-]{1,128}$/u;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isLine = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max && !headerUnsafePattern.test(v);

/** A string, or a copy of an { address, name } object; undefined when the schema must judge. */
function quickAddress(v: unknown): string | { address: string; name?: string } | undefined {
  if (typeof v === 'string') return v;
  if (!isObject(v)) return undefined;
  const address = v['address'];
  const name = v['name'];
  if (typeof address !== 'string') return undefined;
  // Any other key goes to the schema, which refuses it by name.
  if (Object.keys(v).length !== ('name' in v ? 2 : 1)) return undefined;
  if (name === undefined) return { address };
  return typeof name === 'string' ? { address, name } : undefined;
}

type AddressField = Fields['to'];
const notQuick = Symbol('not quick');

function quickAddresses(v: unknown): AddressField | typeof notQuick {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return quickAddress(v) ?? notQuick;
  const out: Array<string | { address: string; name?: string }> = [];
  for (const entry of v as unknown[]) {
    const a = quickAddress(entry);
    if (a === undefined) return notQuick;
    out.push(a);
  }
  return out;
}

/**
 * A plain record of own, enumerable string keys each `key` accepts, with values `value` accepts;
 * the copy, or undefined when anything is unusual (the schema then decides and words the error).
 */
function quickRecord<V>(
  v: unknown,
  key: (k: string) => boolean,
  value: (x: unknown) => x is V,
): Record<string, V> | undefined {
  if (!isObject(v)) return undefined;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== Reflect.ownKeys(v).length) return undefined;
  const out: Record<string, V> = {};
  for (const k of keys) {
    const x = v[k];
    if (k === '__proto__' || !key(k) || !value(x)) return undefined;
    out[k] = x;
  }
  return out;
}

const isHeaderValue = (x: unknown): x is string =>
  typeof x === 'string' && !headerUnsafePattern.test(x);
const isMetadataValue = (x: unknown): x is string | number | boolean =>
  isHeaderValue(x) || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
const isHeaderName = (k: string) => headerName.test(k);
const isMetadataKey = (k: string) => isLine(k, 1, 128);

function quickTags(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length > 50) return undefined;
  for (const tag of v as unknown[]) if (!isLine(tag, 1, 128)) return undefined;
  return [...(v as string[])];
}

/**
 * The common message (addresses, subject, body, tags, metadata, headers, ids, stream) checked by
 * hand against the same rules as messageShape, each field read once, at a fraction of the
 * schema's cost. Whatever it is not sure of (attachments, unsubscribe options, a schedule, an
 * object that is not plain, any value out of line) returns undefined and goes through the schema,
 * which also words the error. A property test holds the two to the same answers.
 *
 * The fields are read by walking the object's keys, not by name: V8 answers a read of an absent
 * property slowly on objects built by spread (`{ ...defaults, to }`, the usual way to send), and
 * most of the optional fields are absent from most messages.
 */
function quickParse(input: unknown): Fields | undefined {
  if (!isObject(input)) return undefined;
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  let id: unknown, from: unknown, subject: unknown, text: unknown, html: unknown;
  let to: unknown, cc: unknown, bcc: unknown, replyTo: unknown, stream: unknown, key: unknown;
  let tags: unknown, headers: unknown, metadata: unknown;
  let own = 0;
  for (const name in input) {
    own += 1;
    const value = input[name];
    switch (name) {
      case 'id':
        id = value;
        break;
      case 'from':
        from = value;
        break;
      case 'to':
        to = value;
        break;
      case 'cc':
        cc = value;
        break;
      case 'bcc':
        bcc = value;
        break;
      case 'replyTo':
        replyTo = value;
        break;
      case 'subject':
        subject = value;
        break;
      case 'text':
        text = value;
        break;
      case 'html':
        html = value;
        break;
      case 'stream':
        stream = value;
        break;
      case 'idempotencyKey':
        key = value;
        break;
      case 'tags':
        tags = value;
        break;
      case 'headers':
        headers = value;
        break;
      case 'metadata':
        metadata = value;
        break;
      case 'attachments':
      case 'listUnsubscribe':
      case 'sendAt':
      case 'template':
        if (value !== undefined) return undefined;
        break;
      default:
        // Not a message field: the schema refuses it and names the nearest known key.
        return undefined;
    }
  }
  // A property the walk did not see (not enumerable, or inherited) is one the schema would read.
  if (own !== Object.getOwnPropertyNames(input).length) return undefined;
  if (id !== undefined && !(typeof id === 'string' && idPattern.test(id))) return undefined;
  const sender = quickAddress(from);
  if (sender === undefined || !isLine(subject, 0, 998)) return undefined;
  if (
    (text !== undefined && typeof text !== 'string') ||
    (html !== undefined && typeof html !== 'string')
  )
    return undefined;
  if (stream !== undefined && !isLine(stream, 1, Number.POSITIVE_INFINITY)) return undefined;
  if (key !== undefined && !isLine(key, 1, 256)) return undefined;
  const toList = quickAddresses(to);
  const ccList = quickAddresses(cc);
  const bccList = quickAddresses(bcc);
  const replyToList = quickAddresses(replyTo);
  if (
    toList === notQuick ||
    ccList === notQuick ||
    bccList === notQuick ||
    replyToList === notQuick
  )
    return undefined;
  const fields: Fields = { from: sender, subject };
  if (id !== undefined) fields.id = id;
  if (toList !== undefined) fields.to = toList;
  if (ccList !== undefined) fields.cc = ccList;
  if (bccList !== undefined) fields.bcc = bccList;
  if (replyToList !== undefined) fields.replyTo = replyToList;
  if (text !== undefined) fields.text = text;
  if (html !== undefined) fields.html = html;
  if (stream !== undefined) fields.stream = stream;
  if (key !== undefined) fields.idempotencyKey = key;
  if (tags !== undefined) {
    const list = quickTags(tags);
    if (list === undefined) return undefined;
    fields.tags = list;
  }
  if (headers !== undefined) {
    const record = quickRecord(headers, isHeaderName, isHeaderValue);
    if (record === undefined) return undefined;
    fields.headers = record;
  }
  if (metadata !== undefined) {
    const record = quickRecord(metadata, isMetadataKey, isMetadataValue);
    if (record === undefined) return undefined;
    fields.metadata = record;
  }
  return fields;
}

/** The message's fields as the schema yields them, or the RelayError naming the first fault. */
function parseFields(input: unknown): Fields {
  const quick = quickParse(input);
  if (quick !== undefined) return quick;
  const parsed = schemaFor(input).safeParse(input) as ReturnType<typeof messageShape.safeParse>;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A path through a key that is itself unsafe (a metadata key with a CR) stops before it:
    // the field named never echoes a control character.
    const path: string[] = [];
    for (const segment of issue?.path ?? []) {
      const name = String(segment);
      if (!isHeaderSafe(name)) break;
      path.push(name);
    }
    const at = path.join('.');
    if (issue?.code === 'unrecognized_keys') {
      // Never drop what the caller gave: a misspelt or foreign key is an error naming it.
      const key = issue.keys[0] as string;
      const named = isHeaderSafe(key) ? key : undefined;
      const field = [at, named].filter((x) => x !== undefined && x !== '').join('.') || 'message';
      throw invalid(field, unknownKeyAdvice(key, knownKeysAt(issue.path)), parsed.error);
    }
    throw invalid(at || 'message', issue?.message ?? 'invalid message', parsed.error);
  }
  return parsed.data;
}

/** The keys allowed in the object at `path` of a message (for the "did you mean"). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  const top = path[0];
  if (top === undefined) return Object.keys(messageShape.shape);
  if (top === 'attachments') return Object.keys(attachmentInput.shape);
  if (top === 'listUnsubscribe') return ['url', 'mailto', 'oneClick'];
  if (top === 'template')
    return path[1] === 'ids' ? [...templateProviderTypes] : ['id', 'data', 'ids'];
  return ['address', 'name'];
}

/** @internal Exposed for the property test that holds the fast path to the schema. */
export const parsers = {
  quick: quickParse,
  schema: (input: unknown) => messageShape.safeParse(input),
};

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

/** An address field: one address, an RFC 5322 list in a string, or an array of either. */
function parseList(field: string, value: unknown): Address[] {
  const out: Address[] = [];
  toList(value).forEach((entry, i) => {
    try {
      if (typeof entry === 'string' && (entry.includes(',') || entry.includes(';')))
        out.push(...parseAddressList(entry));
      else out.push(parseAddress(entry as Parameters<typeof parseAddress>[0]));
    } catch (error) {
      if (error instanceof AddressError) throw invalid(`${field}[${i}]`, error.message, error);
      throw error;
    }
  });
  return out;
}

function parseSender(value: Fields['from']): Address {
  try {
    return parseRepeatedAddress(value);
  } catch (error) {
    if (error instanceof AddressError) throw invalid('from', error.message, error);
    throw error;
  }
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
  const m = parseFields(input);
  const fault = contentFault(m);
  if (fault) throw invalid(fault.field, fault.message);
  const from = parseSender(m.from);
  let to = parseList('to', m.to);
  let cc = parseList('cc', m.cc);
  let bcc = parseList('bcc', m.bcc);
  if (to.length + cc.length + bcc.length > 1) {
    const seen = new Set<string>();
    const unique = (list: Address[]) =>
      list.filter((a) => {
        const key = addressKey(a.address);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    to = unique(to);
    cc = unique(cc);
    bcc = unique(bcc);
  }
  if (to.length + cc.length + bcc.length === 0)
    throw invalid('to', 'a message needs at least one recipient');

  const headers: Record<string, string> = {};
  if (m.headers !== undefined)
    for (const [name, value] of Object.entries(m.headers)) {
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
    (m.text === undefined ? 0 : Buffer.byteLength(m.text)) +
    (m.html === undefined ? 0 : Buffer.byteLength(m.html)) +
    (m.template?.data === undefined ? 0 : Buffer.byteLength(JSON.stringify(m.template.data))) +
    attachments.reduce((sum, a) => sum + a.content.byteLength, 0);
  if (size > maxBytes) {
    throw invalid(
      'attachments',
      `message is ${size} bytes, over the ${maxBytes}-byte limit; link large files instead`,
    );
  }

  const metadata: Record<string, string> = {};
  if (m.metadata !== undefined)
    for (const [key, value] of Object.entries(m.metadata)) metadata[key] = String(value);

  const id = m.id ?? newMessageId();
  const message: Message = {
    id,
    from,
    to,
    cc,
    bcc,
    replyTo: parseList('replyTo', m.replyTo),
    subject: m.subject ?? '',
    attachments,
    headers,
    tags: m.tags === undefined || m.tags.length === 0 ? [] : [...new Set(m.tags)],
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
  if (m.template !== undefined) {
    const ids: MessageTemplate['ids'] = {};
    for (const type of templateProviderTypes) {
      const id = m.template.ids?.[type];
      if (id !== undefined) ids[type] = id;
    }
    message.template = {
      ...(m.template.id === undefined ? {} : { id: m.template.id }),
      ids,
      data: (m.template.data ?? {}) as Record<string, unknown>,
    };
  }
  return message;
}

/** Every recipient of a message, in order: to, cc, bcc. */
export function recipientsOf(message: Pick<Message, 'to' | 'cc' | 'bcc'>): string[] {
  const out: string[] = [];
  for (const a of message.to) out.push(a.address);
  for (const a of message.cc) out.push(a.address);
  for (const a of message.bcc) out.push(a.address);
  return out;
}

/** How many recipients a message has. */
export function recipientCount(message: Pick<Message, 'to' | 'cc' | 'bcc'>): number {
  return message.to.length + message.cc.length + message.bcc.length;
}

/** The normalised domain of every recipient, in the order of recipientsOf. */
export function recipientDomainsOf(message: Pick<Message, 'to' | 'cc' | 'bcc'>): string[] {
  const out: string[] = [];
  for (const a of message.to) out.push(addressDomain(a));
  for (const a of message.cc) out.push(addressDomain(a));
  for (const a of message.bcc) out.push(addressDomain(a));
  return out;
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
