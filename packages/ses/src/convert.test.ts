import { RelayError, type MessageInput } from '@relaykit/core';
import fc from 'fast-check';
import PostalMime from 'postal-mime';
import { fullTestMessage, testMessage } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  bulkKey,
  simpleContentBlocker,
  toBulkInput,
  toSendEmailInput,
  type SendSettings,
} from './convert.ts';
import {
  decodeTagValue,
  encodeTagValue,
  fromMailTags,
  sanitizeTagName,
  toEmailTags,
} from './tags.ts';

const settings: SendSettings = { messageIdTag: 'relaykit-message-id' };
const message = testMessage;

describe('toSendEmailInput', () => {
  it('maps a message to Simple content with headers, attachments, tags and settings', async () => {
    const m = await fullTestMessage();
    const input = toSendEmailInput(m, {
      ...settings,
      configurationSetName: 'relaykit-events',
      fromEmailAddressIdentityArn: 'arn:aws:ses:us-east-1:1:identity/example.com',
    });
    expect(input).toMatchObject({
      FromEmailAddress: 'Sender <sender@example.com>',
      Destination: {
        ToAddresses: ['a@example.org', 'Bob <b@example.org>'],
        CcAddresses: ['c@example.org'],
        BccAddresses: ['d@example.org'],
      },
      ReplyToAddresses: ['help@example.com'],
      ConfigurationSetName: 'relaykit-events',
      FromEmailAddressIdentityArn: 'arn:aws:ses:us-east-1:1:identity/example.com',
      EmailTags: [
        { Name: 'relaykit-message-id', Value: 'rk_1' },
        { Name: 'relaykit-stream', Value: 'transactional' },
        { Name: 'welcome', Value: 'true' },
        { Name: 'user', Value: '42' },
      ],
      Content: {
        Simple: {
          Subject: { Data: 'Hi', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'text', Charset: 'UTF-8' },
            Html: { Data: '<p>hi <img src="cid:logo"></p>', Charset: 'UTF-8' },
          },
          Headers: [
            { Name: 'X-Campaign', Value: 'spring' },
            { Name: 'List-Unsubscribe', Value: '<https://example.com/u>' },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
          Attachments: [
            { FileName: 'a.txt', ContentType: 'text/plain', ContentDisposition: 'ATTACHMENT' },
            {
              FileName: 'logo.png',
              ContentType: 'image/png',
              ContentDisposition: 'INLINE',
              ContentId: 'logo',
            },
          ],
        },
      },
    });
    expect(
      Buffer.from(input.Content?.Simple?.Attachments?.[0]?.RawContent as Uint8Array).toString(),
    ).toBe('hello');
  });

  it('lets SES write List-Unsubscribe when list management is on', async () => {
    const m = await message({ listUnsubscribe: { mailto: 'u@example.com' } });
    const input = toSendEmailInput(m, {
      ...settings,
      listManagement: { contactListName: 'news', topicName: 'weekly' },
    });
    expect(input.ListManagementOptions).toEqual({ ContactListName: 'news', TopicName: 'weekly' });
    expect(input.Content?.Simple?.Headers).toBeUndefined();
  });

  it('encodes non-ASCII display names and header values (Simple headers are ASCII only)', async () => {
    const m = await message({
      from: { address: 'a@example.com', name: 'Zoë' },
      headers: { 'X-Note': 'café' },
    });
    const input = toSendEmailInput(m, settings);
    expect(input.FromEmailAddress).toBe('=?UTF-8?B?Wm/Dqw==?= <a@example.com>');
    expect(input.Content?.Simple?.Headers?.[0]?.Value).toBe('=?UTF-8?B?Y2Fmw6k=?=');
  });

  it('falls back to raw MIME when Simple content cannot carry the message, or when asked', async () => {
    const long = await message({ headers: { 'X-Long': 'word '.repeat(300) } });
    expect(simpleContentBlocker(long, settings)).toMatch(/X-Long/);
    const raw = toSendEmailInput(long, settings);
    expect(raw.Content?.Simple).toBeUndefined();
    const parsed = await PostalMime.parse(Buffer.from(raw.Content?.Raw?.Data as Uint8Array));
    expect(parsed.headers.find((h) => h.key === 'x-long')?.value).toBe('word '.repeat(300).trim());
    expect(raw.Destination?.ToAddresses).toEqual(['to@example.org']);
    const cid = await message({
      html: '<img src="cid:x">',
      attachments: [{ filename: 'x.png', content: 'x', cid: 'c'.repeat(79) }],
    });
    expect(toSendEmailInput(cid, settings).Content?.Raw).toBeDefined();
    expect(
      toSendEmailInput(await message(), { ...settings, content: 'raw' }).Content?.Raw,
    ).toBeDefined();
  });

  it('refuses what SES cannot send: a non-ASCII local part, more than 50 recipients', async () => {
    await expect(
      message({ to: 'jöhn@example.org' }).then((m) => toSendEmailInput(m, settings)),
    ).rejects.toMatchObject({ kind: 'invalid', field: 'to[0]' });
    const many = await message({ to: Array.from({ length: 51 }, (_, i) => `r${i}@example.org`) });
    expect(() => toSendEmailInput(many, settings)).toThrow(RelayError);
  });
});

describe('SendBulkEmail', () => {
  const campaign = (to: string, id: string, extra: Partial<MessageInput> = {}) =>
    message({
      id,
      to,
      html: '<p>Spring sale</p>',
      subject: 'Sale',
      headers: { 'X-Campaign': 'spring' },
      listUnsubscribe: { url: `https://example.com/u/${id}` },
      ...extra,
    });

  it('groups messages with identical content, and never template-like content or list management', async () => {
    const [a, b, c] = await Promise.all([
      campaign('a@example.org', 'rk_a'),
      campaign('b@example.org', 'rk_b'),
      campaign('c@example.org', 'rk_c', { subject: 'Other' }),
    ]);
    expect(bulkKey(a, settings)).toBeDefined();
    expect(bulkKey(a, settings)).toBe(bulkKey(b, settings));
    expect(bulkKey(c, settings)).not.toBe(bulkKey(a, settings));
    expect(bulkKey(a, { ...settings, configurationSetName: 'x' })).not.toBe(bulkKey(a, settings));
    expect(
      bulkKey(await campaign('a@example.org', 'rk_t', { text: 'Hello {{name}}' }), settings),
    ).toBeUndefined();
    expect(bulkKey(a, { ...settings, listManagement: { contactListName: 'l' } })).toBeUndefined();
    expect(bulkKey(a, { ...settings, content: 'raw' })).toBeUndefined();
  });

  it('sends the content as an inline template and varies recipients, headers and tags per entry', async () => {
    const messages = await Promise.all([
      campaign('a@example.org', 'rk_a'),
      campaign('b@example.org', 'rk_b'),
    ]);
    const input = toBulkInput(messages, [settings, settings]);
    expect(input.DefaultContent?.Template).toMatchObject({
      TemplateContent: { Subject: 'Sale', Text: 'text', Html: '<p>Spring sale</p>' },
      TemplateData: '{}',
    });
    expect(input.BulkEmailEntries).toHaveLength(2);
    expect(input.BulkEmailEntries?.[1]).toMatchObject({
      Destination: { ToAddresses: ['b@example.org'] },
      ReplacementTags: [{ Name: 'relaykit-message-id', Value: 'rk_b' }],
      ReplacementHeaders: [
        { Name: 'X-Campaign', Value: 'spring' },
        { Name: 'List-Unsubscribe', Value: '<https://example.com/u/rk_b>' },
      ],
    });
  });
});

describe('EmailTags', () => {
  it('sanitises names and round-trips values through base64url when they do not fit', () => {
    expect(sanitizeTagName('Spring Sale 2026!')).toBe('Spring_Sale_2026_');
    expect(sanitizeTagName('!!!')).toBe('');
    expect(encodeTagValue('rk_abc-1')).toBe('rk_abc-1');
    expect(encodeTagValue('a.b:c')).toMatch(/^b64_/u);
    expect(encodeTagValue('x'.repeat(300))).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 150 }), (value) => {
        const encoded = encodeTagValue(value);
        if (encoded === undefined) return;
        expect(encoded).toMatch(/^[A-Za-z0-9_-]{1,256}$/u);
        expect(decodeTagValue(encoded)).toBe(value);
      }),
    );
  });

  it('reads back what it wrote, skipping SES tags', () => {
    const tags = toEmailTags({
      messageIdTag: 'relaykit-message-id',
      messageId: 'id.with:colons',
      stream: 'out reach',
      tags: ['welcome'],
      metadata: { order: 'A/1' },
    });
    const mailTags = Object.fromEntries([
      ...tags.map((t) => [t.Name, [t.Value]]),
      ['ses:operation', ['SendEmail']],
    ]);
    expect(fromMailTags(mailTags, 'relaykit-message-id')).toEqual({
      messageId: 'id.with:colons',
      stream: 'out reach',
      tags: ['welcome'],
      metadata: { order: 'A/1' },
    });
    expect(fromMailTags('junk', 'x')).toEqual({ tags: [], metadata: {} });
  });

  it('keeps the first of duplicate names after sanitising', () => {
    const tags = toEmailTags({
      messageIdTag: 'relaykit-message-id',
      messageId: 'rk',
      tags: ['a b', 'a_b'],
      metadata: { 'relaykit-message-id': 'spoof' },
    });
    expect(tags).toEqual([
      { Name: 'relaykit-message-id', Value: 'rk' },
      { Name: 'a_b', Value: 'true' },
    ]);
  });
});

describe('header safety in both content paths', () => {
  it('refuses a List-Unsubscribe mailto with CR/LF in raw MIME and Simple content alike', async () => {
    const m = await message({ listUnsubscribe: { mailto: 'u@example.com' } });
    const hostile = {
      ...m,
      listUnsubscribe: {
        oneClick: false,
        mailto: 'u@example.com>\r\nBcc: victim@example.org\r\n\r\n<html>phish</html>',
      },
    };
    for (const content of ['raw', 'auto'] as const) {
      let error: unknown;
      try {
        toSendEmailInput(hostile, { ...settings, content });
      } catch (e) {
        error = e;
      }
      expect(error, content).toBeInstanceOf(RelayError);
      expect((error as RelayError).field, content).toBe('listUnsubscribe.mailto');
    }
    expect(() => toBulkInput([hostile], [settings])).toThrow(RelayError);
  });
});

describe('templates', () => {
  const templated = (to: string, name: string) =>
    message({
      to,
      subject: undefined,
      text: undefined,
      template: { id: 'welcome', ids: { ses: 'Welcome-v2' }, data: { name } },
    });

  it('sends Content.Template with the SES name and the data as TemplateData JSON', async () => {
    const input = toSendEmailInput(await templated('a@example.org', 'Ann'), settings);
    expect(input.Content).toEqual({
      Template: { TemplateName: 'Welcome-v2', TemplateData: '{"name":"Ann"}' },
    });
  });

  it('groups by template and sender, each bulk entry with its own ReplacementTemplateData', async () => {
    const a = await templated('a@example.org', 'Ann');
    const b = await templated('b@example.org', 'Bo');
    expect(bulkKey(a, settings)).toBe(bulkKey(b, settings));
    expect(bulkKey(a, settings)).not.toBe(bulkKey(await message(), settings));
    const input = toBulkInput([a, b], [settings, settings]);
    expect(input.DefaultContent?.Template?.TemplateName).toBe('Welcome-v2');
    expect(input.DefaultContent?.Template?.TemplateContent).toBeUndefined();
    expect(
      input.BulkEmailEntries?.map(
        (e) => e.ReplacementEmailContent?.ReplacementTemplate?.ReplacementTemplateData,
      ),
    ).toEqual(['{"name":"Ann"}', '{"name":"Bo"}']);
  });
});
