import type { Address, Message } from '@relaykit/core';
import {
  base64Content,
  outgoingHeaders,
  addressKey,
  assertCarriable,
  formatAddress,
  recipientsOf,
} from '@relaykit/core/adapter';
import type { TrackLinks } from './options.ts';

/** Metadata key carrying relaykit's message id; Postmark returns it in every webhook. */
export const messageIdKey = 'relaykit-message-id';
/** Metadata key carrying the tags after the first (Postmark's `Tag` takes one), as a JSON array. */
export const tagsKey = 'relaykit-tags';

/** Postmark takes at most 50 recipients (To + Cc + Bcc) per message. */
export const maxRecipients = 50;

/** The JSON body of Postmark's POST /email (the SDK's `Message` model). */
export interface PostmarkMessage {
  From: string;
  To?: string;
  Cc?: string;
  Bcc?: string;
  ReplyTo?: string;
  Subject: string;
  HtmlBody?: string;
  TextBody?: string;
  MessageStream: string;
  Tag?: string;
  TrackOpens?: boolean;
  TrackLinks?: TrackLinks;
  Headers?: Array<{ Name: string; Value: string }>;
  Attachments?: Array<{
    Name: string;
    Content: string;
    ContentType: string;
    ContentID: string | null;
  }>;
  Metadata: Record<string, string>;
}

/**
 * The JSON body of Postmark's POST /email/withTemplate (the SDK's `TemplatedMessage`): the
 * template by TemplateId (a number) or TemplateAlias, and TemplateModel, in place of Subject and
 * bodies (https://postmarkapp.com/developer/api/templates-api#email-with-template).
 */
export type PostmarkTemplatedMessage = Omit<
  PostmarkMessage,
  'Subject' | 'HtmlBody' | 'TextBody'
> & {
  TemplateId?: number;
  TemplateAlias?: string;
  TemplateModel: Record<string, unknown>;
};

export interface ConvertSettings {
  provider: string;
  messageStream: string;
  messageStreams: Readonly<Record<string, string>>;
  trackOpens?: boolean;
  trackLinks?: TrackLinks;
}

const list = (addresses: readonly Address[]) => addresses.map(formatAddress).join(', ');

/** The Postmark MessageStream a message goes to: its relaykit stream mapped, else the default. */
export function messageStreamFor(
  message: Pick<Message, 'stream'>,
  settings: Pick<ConvertSettings, 'messageStream' | 'messageStreams'>,
): string {
  const mapped = message.stream === undefined ? undefined : settings.messageStreams[message.stream];
  return mapped ?? settings.messageStream;
}

/**
 * Metadata sent with the message: the caller's metadata, relaykit's message id, and the tags
 * Postmark's single `Tag` cannot hold. Postmark refuses keys that differ only in case, so a caller
 * key that collides with relaykit's is dropped.
 */
function metadataFor(message: Message): Record<string, string> {
  const reserved = new Set([messageIdKey, tagsKey]);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.metadata)) {
    if (!reserved.has(key.toLowerCase())) metadata[key] = value;
  }
  metadata[messageIdKey] = message.id;
  if (message.tags.length > 1) metadata[tagsKey] = JSON.stringify(message.tags.slice(1));
  return metadata;
}

/**
 * Message → Postmark's POST /email body. Pure; throws a RelayError of kind 'invalid' for what
 * Postmark cannot carry (scheduling, more than 50 recipients) before any request is made.
 */
export function toPostmarkMessage(message: Message, settings: ConvertSettings): PostmarkMessage {
  assertCarriable(message, {
    provider: settings.provider,
    label: 'Postmark',
    maxRecipients,
    unscheduled: 'queue it with relay.enqueue or send it at the time instead',
  });
  const out: PostmarkMessage = {
    From: formatAddress(message.from),
    Subject: message.subject,
    MessageStream: messageStreamFor(message, settings),
    Metadata: metadataFor(message),
  };
  if (message.to.length > 0) out.To = list(message.to);
  if (message.cc.length > 0) out.Cc = list(message.cc);
  if (message.bcc.length > 0) out.Bcc = list(message.bcc);
  if (message.replyTo.length > 0) out.ReplyTo = list(message.replyTo);
  if (message.html !== undefined) out.HtmlBody = message.html;
  if (message.text !== undefined) out.TextBody = message.text;
  const [tag] = message.tags;
  if (tag !== undefined) out.Tag = tag;
  if (settings.trackOpens !== undefined) out.TrackOpens = settings.trackOpens;
  if (settings.trackLinks !== undefined) out.TrackLinks = settings.trackLinks;

  const headers = outgoingHeaders(message);
  const headerList = Object.entries(headers).map(([Name, Value]) => ({ Name, Value }));
  if (headerList.length > 0) out.Headers = headerList;

  if (message.attachments.length > 0) {
    out.Attachments = message.attachments.map((a) => ({
      Name: a.filename,
      Content: base64Content(a),
      ContentType: a.contentType,
      // Postmark marks an attachment inline by a ContentID in the `cid:` form the HTML refers to.
      ContentID: a.cid === undefined ? null : `cid:${a.cid}`,
    }));
  }
  return out;
}

/**
 * A templated message → Postmark's POST /email/withTemplate body, under `templateId` (from
 * `templateFor`): an all-digit id is Postmark's numeric TemplateId, anything else its alias.
 */
export function toPostmarkTemplated(
  message: Message,
  settings: ConvertSettings,
  templateId: string,
): PostmarkTemplatedMessage {
  const {
    Subject: _subject,
    HtmlBody: _html,
    TextBody: _text,
    ...rest
  } = toPostmarkMessage(message, settings);
  return {
    ...rest,
    ...(/^\d{1,15}$/u.test(templateId)
      ? { TemplateId: Number(templateId) }
      : { TemplateAlias: templateId }),
    TemplateModel: message.template?.data ?? {},
  };
}

/** The message's recipients in its own spelling, keyed case-insensitively. */
export function recipientIndex(message: Pick<Message, 'to' | 'cc' | 'bcc'>): Map<string, string> {
  return new Map(recipientsOf(message).map((r) => [addressKey(r), r]));
}
