import { createHash } from 'node:crypto';
import type {
  Attachment as SesAttachment,
  Body,
  BulkEmailEntry,
  Destination,
  Message as SesMessage,
  MessageHeader,
  SendBulkEmailCommandInput,
  SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { RelayError, type Address, type Message } from '@relaykit/core';
import { assertCarriable, listUnsubscribeHeaders, templateIdFor } from '@relaykit/core/adapter';
import {
  buildMime,
  encodeHeaderText,
  formatMailbox,
  safeContentType,
  type MimeOptions,
} from './mime.ts';
import type { ListManagement } from './options.ts';
import { toEmailTags } from './tags.ts';

/** The per-send settings convert needs, already resolved for this message. */
export interface SendSettings {
  messageIdTag: string;
  configurationSetName?: string | undefined;
  listManagement?: ListManagement | undefined;
  fromEmailAddressIdentityArn?: string | undefined;
  feedbackForwardingEmailAddress?: string | undefined;
  feedbackForwardingEmailAddressIdentityArn?: string | undefined;
  content?: 'auto' | 'raw' | undefined;
  /** For stable raw MIME in tests. */
  mime?: MimeOptions | undefined;
}

// SES v2 limits from the SDK model (MessageHeader, Attachment doc comments).
const maxHeaderName = 126;
const maxHeaderValue = 995;
const maxHeaderLine = 996;
const maxFileName = 255;
const maxContentId = 78;
/** SES counts To + Cc + Bcc together. */
export const maxRecipients = 50;

const asciiLocalPart = /^[\x21-\x7e]+$/u;

function mailbox(address: Address, field: string): string {
  const local = address.address.slice(0, address.address.lastIndexOf('@'));
  if (!asciiLocalPart.test(local)) {
    // SES does not support SMTPUTF8: the local part must be 7-bit ASCII (the domain is punycoded already).
    throw new RelayError({
      kind: 'invalid',
      provider: 'ses',
      field,
      message: `${field}: SES cannot send to a non-ASCII local part (${address.address}); use another provider for SMTPUTF8 addresses`,
    });
  }
  return formatMailbox(address);
}

function destination(message: Message): Destination {
  const out: Destination = {};
  if (message.to.length > 0) out.ToAddresses = message.to.map((a, i) => mailbox(a, `to[${i}]`));
  if (message.cc.length > 0) out.CcAddresses = message.cc.map((a, i) => mailbox(a, `cc[${i}]`));
  if (message.bcc.length > 0) out.BccAddresses = message.bcc.map((a, i) => mailbox(a, `bcc[${i}]`));
  return out;
}

/**
 * The headers SES must add: the message's own, then List-Unsubscribe(-Post) from
 * `message.listUnsubscribe`, unless SES list management is on (SES writes those itself, and they
 * may appear only once).
 */
export function extraHeaders(
  message: Message,
  settings: Pick<SendSettings, 'listManagement'>,
): Record<string, string> {
  return settings.listManagement ? {} : listUnsubscribeHeaders(message);
}

function simpleHeaders(message: Message, settings: SendSettings): MessageHeader[] {
  return [
    ...Object.entries(message.headers),
    ...Object.entries(extraHeaders(message, settings)),
  ].map(([Name, value]) => ({
    Name,
    Value: encodeHeaderText(value),
  }));
}

function simpleAttachments(message: Message): SesAttachment[] {
  return message.attachments.map((a) => ({
    RawContent: a.content,
    FileName: a.filename,
    ContentType: safeContentType(a.contentType),
    ContentDisposition: a.cid === undefined ? 'ATTACHMENT' : 'INLINE',
    ContentTransferEncoding: 'BASE64',
    ...(a.cid === undefined ? {} : { ContentId: a.cid }),
  }));
}

/**
 * Why Simple content cannot carry this message, or undefined when it can. Simple content has
 * headers and attachments in this SDK, but with limits that raw MIME does not have (a header
 * value over 995 characters needs folding; a Content-ID over 78 characters; a file name over 255).
 */
export function simpleContentBlocker(
  message: Message,
  settings: SendSettings,
  headers: readonly MessageHeader[] = simpleHeaders(message, settings),
): string | undefined {
  for (const { Name = '', Value = '' } of headers) {
    if (
      Name.length > maxHeaderName ||
      Value.length > maxHeaderValue ||
      Name.length + Value.length > maxHeaderLine
    ) {
      return `header ${Name.slice(0, 40)} is longer than Simple content allows`;
    }
  }
  for (const a of message.attachments) {
    if (a.filename.length > maxFileName)
      return `attachment file name over ${maxFileName} characters`;
    if (a.cid !== undefined && (a.cid.length > maxContentId || a.cid.length === 0))
      return `Content-ID over ${maxContentId} characters`;
  }
  return undefined;
}

function common(message: Message, settings: SendSettings): Omit<SendEmailCommandInput, 'Content'> {
  // Raw MIME and Simple content alike: no header-bound value may carry a control character.
  // SES has no scheduled sending: a future sendAt would be sent at once.
  assertCarriable(message, {
    provider: 'ses',
    label: 'SES',
    maxRecipients,
    unscheduled: 'hold it with relay.enqueue (sent when due), or send it at the time',
  });
  const input: Omit<SendEmailCommandInput, 'Content'> = {
    FromEmailAddress: mailbox(message.from, 'from'),
    Destination: destination(message),
    EmailTags: toEmailTags({
      messageIdTag: settings.messageIdTag,
      messageId: message.id,
      stream: message.stream,
      tags: message.tags,
      metadata: message.metadata,
    }),
  };
  if (message.replyTo.length > 0)
    input.ReplyToAddresses = message.replyTo.map((a, i) => mailbox(a, `replyTo[${i}]`));
  if (settings.configurationSetName !== undefined)
    input.ConfigurationSetName = settings.configurationSetName;
  if (settings.listManagement !== undefined) {
    input.ListManagementOptions = {
      ContactListName: settings.listManagement.contactListName,
      ...(settings.listManagement.topicName === undefined
        ? {}
        : { TopicName: settings.listManagement.topicName }),
    };
  }
  if (settings.fromEmailAddressIdentityArn !== undefined)
    input.FromEmailAddressIdentityArn = settings.fromEmailAddressIdentityArn;
  if (settings.feedbackForwardingEmailAddress !== undefined)
    input.FeedbackForwardingEmailAddress = settings.feedbackForwardingEmailAddress;
  if (settings.feedbackForwardingEmailAddressIdentityArn !== undefined) {
    input.FeedbackForwardingEmailAddressIdentityArn =
      settings.feedbackForwardingEmailAddressIdentityArn;
  }
  return input;
}

/** Message → SendEmail input: Simple content where it carries everything, raw MIME otherwise. */
export function toSendEmailInput(message: Message, settings: SendSettings): SendEmailCommandInput {
  const input = common(message, settings);
  const template = templateIdFor(message, 'ses');
  if (message.template !== undefined && template !== undefined) {
    return { ...input, Content: { Template: templateContent(message, settings, template) } };
  }
  // The headers Simple content would carry, built once: checked, then sent.
  const headers = settings.content === 'raw' ? [] : simpleHeaders(message, settings);
  if (
    settings.content === 'raw' ||
    simpleContentBlocker(message, settings, headers) !== undefined
  ) {
    return {
      ...input,
      Content: {
        Raw: {
          Data: buildMime(message, { ...settings.mime, headers: extraHeaders(message, settings) }),
        },
      },
    };
  }
  const body: Body = {};
  if (message.text !== undefined) body.Text = { Data: message.text, Charset: 'UTF-8' };
  if (message.html !== undefined) body.Html = { Data: message.html, Charset: 'UTF-8' };
  const simple: SesMessage = { Subject: { Data: message.subject, Charset: 'UTF-8' }, Body: body };
  if (headers.length > 0) simple.Headers = headers;
  if (message.attachments.length > 0) simple.Attachments = simpleAttachments(message);
  (input as SendEmailCommandInput).Content = { Simple: simple };
  return input as SendEmailCommandInput;
}

/**
 * A templated message's Content.Template: the stored template by TemplateName, its merge data as
 * the TemplateData JSON string, headers and attachments alongside (the SDK's `Template` type in
 * @aws-sdk/client-sesv2 dist-types/models/models_0.d.ts;
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Template.html). A template cannot
 * go as raw MIME, so what Simple content cannot carry is refused.
 */
function templateContent(message: Message, settings: SendSettings, template: string) {
  const blocker = simpleContentBlocker(message, settings);
  if (blocker !== undefined) {
    throw new RelayError({
      kind: 'invalid',
      provider: 'ses',
      field: 'template',
      message: `template: SES sends a template only as structured content, and ${blocker}; shorten it`,
    });
  }
  const headers = simpleHeaders(message, settings);
  const attachments = simpleAttachments(message);
  return {
    TemplateName: template,
    TemplateData: JSON.stringify(message.template?.data ?? {}),
    ...(headers.length > 0 ? { Headers: headers } : {}),
    ...(attachments.length > 0 ? { Attachments: attachments } : {}),
  };
}

/**
 * What must be equal for messages to share one SendBulkEmail call, or undefined when a message
 * cannot go through it at all. SendBulkEmail only sends templates: relaykit passes the content as
 * an inline template, so content with `{{` (which SES would render) is excluded, as is anything
 * Simple content cannot carry. Recipients, headers and tags (hence the message id) vary per entry.
 */
export function bulkKey(message: Message, settings: SendSettings): string | undefined {
  const template = templateIdFor(message, 'ses');
  if (message.template !== undefined && template !== undefined) {
    // Templated messages that share the template and sender share a call; each entry carries its
    // own ReplacementTemplateData (and headers, tags, recipients).
    if (simpleContentBlocker(message, settings) !== undefined) return undefined;
    if (settings.listManagement !== undefined) return undefined;
    const hash = createHash('sha256');
    const part = (value: unknown) => hash.update(JSON.stringify(value ?? null)).update('\u0000');
    part(['template', template, message.from, message.replyTo]);
    part([settings.configurationSetName, settings.fromEmailAddressIdentityArn]);
    part([
      settings.feedbackForwardingEmailAddress,
      settings.feedbackForwardingEmailAddressIdentityArn,
    ]);
    for (const a of message.attachments) {
      part([a.filename, a.contentType, a.cid]);
      hash.update(a.content);
    }
    return hash.digest('hex');
  }
  if (settings.content === 'raw' || simpleContentBlocker(message, settings) !== undefined)
    return undefined;
  // SendBulkEmail has no ListManagementOptions.
  if (settings.listManagement !== undefined) return undefined;
  if ([message.subject, message.text ?? '', message.html ?? ''].some((t) => t.includes('{{')))
    return undefined;
  const hash = createHash('sha256');
  const part = (value: unknown) => hash.update(JSON.stringify(value ?? null)).update('\u0000');
  part([message.from, message.replyTo, message.subject, message.text, message.html]);
  part([settings.configurationSetName, settings.fromEmailAddressIdentityArn]);
  part([
    settings.feedbackForwardingEmailAddress,
    settings.feedbackForwardingEmailAddressIdentityArn,
  ]);
  for (const a of message.attachments) {
    part([a.filename, a.contentType, a.cid]);
    hash.update(a.content);
  }
  return hash.digest('hex');
}

/** One SendBulkEmail call for messages that share a bulkKey (the first message gives the content). */
export function toBulkInput(
  messages: readonly Message[],
  settings: readonly SendSettings[],
): SendBulkEmailCommandInput {
  const first = messages[0] as Message;
  const base = common(first, settings[0] as SendSettings);
  const attachments = simpleAttachments(first);
  const entries: BulkEmailEntry[] = messages.map((m, i) => {
    const s = settings[i] as SendSettings;
    const each = common(m, s);
    const headers = simpleHeaders(m, s);
    return {
      Destination: each.Destination,
      ReplacementTags: each.EmailTags ?? [],
      ...(headers.length > 0 ? { ReplacementHeaders: headers } : {}),
      // Each destination's merge data (API_BulkEmailEntry ReplacementEmailContent).
      ...(m.template === undefined
        ? {}
        : {
            ReplacementEmailContent: {
              ReplacementTemplate: { ReplacementTemplateData: JSON.stringify(m.template.data) },
            },
          }),
    };
  });
  const template = templateIdFor(first, 'ses');
  const input: SendBulkEmailCommandInput = {
    FromEmailAddress: base.FromEmailAddress,
    DefaultContent: {
      Template: {
        ...(first.template !== undefined && template !== undefined
          ? { TemplateName: template }
          : {
              TemplateContent: {
                Subject: first.subject,
                ...(first.text === undefined ? {} : { Text: first.text }),
                ...(first.html === undefined ? {} : { Html: first.html }),
              },
            }),
        TemplateData: '{}',
        ...(attachments.length > 0 ? { Attachments: attachments } : {}),
      },
    },
    BulkEmailEntries: entries,
  };
  if (base.ReplyToAddresses) input.ReplyToAddresses = base.ReplyToAddresses;
  if (base.ConfigurationSetName !== undefined)
    input.ConfigurationSetName = base.ConfigurationSetName;
  if (base.FromEmailAddressIdentityArn !== undefined)
    input.FromEmailAddressIdentityArn = base.FromEmailAddressIdentityArn;
  if (base.FeedbackForwardingEmailAddress !== undefined)
    input.FeedbackForwardingEmailAddress = base.FeedbackForwardingEmailAddress;
  if (base.FeedbackForwardingEmailAddressIdentityArn !== undefined) {
    input.FeedbackForwardingEmailAddressIdentityArn =
      base.FeedbackForwardingEmailAddressIdentityArn;
  }
  return input;
}
