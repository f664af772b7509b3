import { createHash } from 'node:crypto';
import { RelayError, type Attachment, type Message } from '@relaykit/core';
import {
  assertCarriable,
  formatAddress,
  listUnsubscribeHeaders,
  templateIdFor,
} from '@relaykit/core/adapter';
import type { CustomFile, MailgunMessageData } from 'mailgun.js/definitions';
import type { ClickTracking } from './options.ts';

/** Mailgun keeps at most this many `o:tag` values per message. */
export const maxTags = 3;
/** Mailgun's ceiling for all `o:`, `h:` and `v:` parameters of one message together. */
export const maxOptionBytes = 16 * 1024;
/** Mailgun's largest batch (recipient-variables) call. */
export const maxBatchRecipients = 1000;

/** `v:` variables relaykit sets besides the message id; events read them back and hide them from metadata. */
export const internalVariables = {
  /** Every tag as a JSON array, when there are more than Mailgun keeps. */
  tags: 'relaykit-tags',
  stream: 'relaykit-stream',
  /** Set on recipient-variables batches: the event's message id alone does not name the message. */
  batch: 'relaykit-batch',
} as const;

/** The key of relaykit's message id inside a batch's recipient-variables. */
export const batchIdKey = 'relaykit_message_id';
/** The prefix of a template variable inside a batch's recipient-variables. */
export const templateKeyPrefix = 't_';

export interface ConvertOptions {
  messageIdVariable: string;
  /** How far ahead `o:deliverytime` may be, in ms. */
  schedulingHorizonMs: number;
  testMode?: boolean;
  trackOpens?: boolean;
  trackClicks?: ClickTracking;
}

/**
 * The comparison form of a Mailgun message id: the send response has `<...>`, webhook payloads
 * do not. Both sides go through this, so they always meet.
 */
export function normalizeMessageId(id: string): string {
  return id.trim().replace(/^<+/u, '').replace(/>+$/u, '').trim();
}

/** The providerMessageId of one message of a recipient-variables batch: Mailgun gives the batch one id. */
export function batchMemberId(messageId: string, recipient: string): string {
  return `${normalizeMessageId(messageId)}/${recipient.toLowerCase()}`;
}

const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/**
 * Mailgun gives an inline part the Content-ID of its filename (`cid:logo.png`). An inline part
 * keeps its filename; when its cid differs, `cid:` references in the HTML are rewritten to the
 * filename. Two inline parts with one filename: the later ones go by their cid instead.
 */
function inlineParts(
  attachments: readonly Attachment[],
  html: string | undefined,
): { parts: CustomFile[]; html: string | undefined } {
  const used = new Set<string>();
  let out = html;
  const parts = attachments
    .filter((a) => a.cid !== undefined)
    .map((a) => {
      const cid = a.cid as string;
      const name = used.has(a.filename) ? cid : a.filename;
      used.add(name);
      if (name !== cid && out !== undefined) {
        out = out.replace(new RegExp(`cid:${escapeRegExp(cid)}(?![\\w.@-])`, 'gu'), `cid:${name}`);
      }
      return {
        data: toBuffer(a.content),
        filename: name,
        contentType: a.contentType,
        knownLength: a.content.byteLength,
      };
    });
  return { parts, html: out };
}

const yesNo = (v: boolean): 'yes' | 'no' => (v ? 'yes' : 'no');

/**
 * Message → the `mailgun.js` `messages.create` data. Pure. Arrays become repeated form fields.
 * Tags past Mailgun's three are not sent as `o:tag` (Mailgun would drop them); all tags then
 * travel in `v:relaykit-tags` so events still carry them. Metadata goes out as `v:` variables
 * (visible to recipients in the X-Mailgun-Variables header, as Mailgun documents); relaykit's
 * message id as `v:<messageIdVariable>`.
 */
export function toMailgunMessage(message: Message, options: ConvertOptions): MailgunMessageData {
  assertCarriable(message, {
    provider: 'mailgun',
    label: 'Mailgun',
    maxRecipients: maxBatchRecipients,
  });
  const data: Record<string, unknown> = { from: formatAddress(message.from) };
  const template = mailgunTemplate(message);
  if (template === undefined) data['subject'] = message.subject;
  else {
    // A stored template by name, its merge data in h:X-Mailgun-Variables (a JSON object); the
    // subject comes from the template version's headers
    // (https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-templates;
    // mailgun.js definitions MailgunMessageData `template`).
    data['template'] = template;
    data['h:X-Mailgun-Variables'] = JSON.stringify(message.template?.data ?? {});
  }
  if (message.to.length > 0) data['to'] = message.to.map(formatAddress);
  if (message.cc.length > 0) data['cc'] = message.cc.map(formatAddress);
  if (message.bcc.length > 0) data['bcc'] = message.bcc.map(formatAddress);

  const inline = inlineParts(message.attachments, message.html);
  if (message.text !== undefined) data['text'] = message.text;
  if (inline.html !== undefined) data['html'] = inline.html;
  const files = message.attachments
    .filter((a) => a.cid === undefined)
    .map((a): CustomFile => ({
      data: toBuffer(a.content),
      filename: a.filename,
      contentType: a.contentType,
      knownLength: a.content.byteLength,
    }));
  if (files.length > 0) data['attachment'] = files;
  if (inline.parts.length > 0) data['inline'] = inline.parts;

  if (message.replyTo.length > 0)
    data['h:Reply-To'] = message.replyTo.map(formatAddress).join(', ');
  for (const [name, value] of Object.entries({
    ...message.headers,
    ...listUnsubscribeHeaders(message),
  })) {
    data[`h:${name}`] = value;
  }

  if (message.tags.length > 0) data['o:tag'] = message.tags.slice(0, maxTags);
  if (options.testMode) data['o:testmode'] = 'yes';
  if (options.trackOpens !== undefined) data['o:tracking-opens'] = yesNo(options.trackOpens);
  if (options.trackClicks !== undefined) {
    data['o:tracking-clicks'] =
      options.trackClicks === 'htmlonly' ? 'htmlonly' : yesNo(options.trackClicks);
  }
  const lead = message.sendAt === undefined ? 0 : message.sendAt.getTime() - Date.now();
  if (lead > options.schedulingHorizonMs) {
    throw new RelayError({
      kind: 'invalid',
      provider: 'mailgun',
      field: 'sendAt',
      message: `sendAt: Mailgun schedules at most ${Math.round(options.schedulingHorizonMs / 86_400_000)} days ahead (o:deliverytime); hold a later message with relay.enqueue`,
    });
  }
  // A sendAt already past is sent now, without o:deliverytime.
  if (lead > 0 && message.sendAt) data['o:deliverytime'] = message.sendAt.toUTCString();

  for (const [key, value] of Object.entries(message.metadata)) data[`v:${key}`] = value;
  if (message.tags.length > maxTags)
    data[`v:${internalVariables.tags}`] = JSON.stringify(message.tags);
  if (message.stream !== undefined) data[`v:${internalVariables.stream}`] = message.stream;
  data[`v:${options.messageIdVariable}`] = message.id;

  checkOptionSize(data);
  return data as MailgunMessageData;
}

/** Mailgun refuses a message whose `o:`, `h:` and `v:` parameters pass 16 kB together. */
function checkOptionSize(data: Record<string, unknown>): void {
  let size = 0;
  for (const key in data) {
    // `o:`, `h:` or `v:` (0x6f, 0x68, 0x76, then 0x3a), read without a RegExp or an entries array.
    const first = key.charCodeAt(0);
    if (key.charCodeAt(1) !== 0x3a || (first !== 0x6f && first !== 0x68 && first !== 0x76))
      continue;
    const value = data[key];
    const keyBytes = Buffer.byteLength(key);
    if (Array.isArray(value))
      for (const v of value) size += keyBytes + Buffer.byteLength(String(v));
    else size += keyBytes + Buffer.byteLength(String(value));
  }
  if (size > maxOptionBytes) {
    throw new RelayError({
      kind: 'invalid',
      provider: 'mailgun',
      field: 'metadata',
      message: `headers, tags and metadata come to ${size} bytes; Mailgun takes at most ${maxOptionBytes} for all o:, h: and v: parameters together: shorten them`,
    });
  }
}

/** The template name a templated message goes out under on Mailgun. */
export function mailgunTemplate(message: Pick<Message, 'template'>): string | undefined {
  return message.template === undefined ? undefined : templateIdFor(message, 'mailgun');
}

/**
 * Merge data a batch can carry per recipient: flat, each value a string, number or boolean
 * (recipient-variables substitute text into `%recipient.key%`). Nested data goes one call each.
 */
function flatData(message: Message): string[] | undefined {
  const data = message.template?.data ?? {};
  for (const value of Object.values(data))
    if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  return Object.keys(data).sort();
}

/** What must be equal for messages to share one recipient-variables batch: all but id and the To address. */
export function batchKey(message: Message): string | undefined {
  if (message.to.length !== 1 || message.cc.length > 0 || message.bcc.length > 0) return undefined;
  const template = mailgunTemplate(message);
  const keys = template === undefined ? null : flatData(message);
  if (keys === undefined) return undefined;
  return JSON.stringify([
    template ?? null,
    keys,
    message.from,
    message.replyTo,
    message.subject,
    message.text ?? null,
    message.html ?? null,
    message.headers,
    message.tags,
    message.metadata,
    message.stream ?? null,
    message.listUnsubscribe ?? null,
    message.sendAt?.toISOString() ?? null,
    message.attachments.map((a) => [
      a.filename,
      a.contentType,
      a.cid ?? null,
      createHash('sha256').update(a.content).digest('base64'),
    ]),
  ]);
}

/**
 * One Mailgun batch call for messages that share a batchKey: one To per message, and
 * recipient-variables naming each recipient's relaykit message id, so Mailgun sends each its own
 * copy and `v:<messageIdVariable>` resolves per recipient (`%recipient.relaykit_message_id%`).
 */
export function toMailgunBatch(
  messages: readonly Message[],
  options: ConvertOptions,
): MailgunMessageData {
  const first = messages[0];
  if (first === undefined) throw new RangeError('an empty batch');
  const data = toMailgunMessage(first, options) as Record<string, unknown>;
  const variables: Record<string, Record<string, string>> = {};
  for (const m of messages) {
    const own: Record<string, string> = { [batchIdKey]: m.id };
    // Each recipient's merge data: Mailgun substitutes `%recipient.key%` as text inside the
    // X-Mailgun-Variables JSON, so each value goes JSON-string-escaped.
    for (const [key, value] of Object.entries(m.template?.data ?? {}))
      own[`${templateKeyPrefix}${key}`] = JSON.stringify(String(value)).slice(1, -1);
    variables[(m.to[0] as Message['to'][number]).address] = own;
  }
  if (first.template !== undefined) {
    const shared: Record<string, string> = {};
    for (const key of Object.keys(first.template.data))
      shared[key] = `%recipient.${templateKeyPrefix}${key}%`;
    data['h:X-Mailgun-Variables'] = JSON.stringify(shared);
  }
  data['to'] = messages.map((m) => formatAddress(m.to[0] as Message['to'][number]));
  data['recipient-variables'] = JSON.stringify(variables);
  data[`v:${options.messageIdVariable}`] = `%recipient.${batchIdKey}%`;
  data[`v:${internalVariables.batch}`] = '1';
  return data as MailgunMessageData;
}
