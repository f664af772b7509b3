import { normalizeMessage, type RelayError } from '@relaykit/core';
import { fullTestMessage } from '@relaykit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  messageStreamFor,
  toPostmarkMessage,
  toPostmarkTemplated,
  type ConvertSettings,
} from './convert.ts';

const settings: ConvertSettings = {
  provider: 'postmark',
  messageStream: 'outbound',
  messageStreams: { outreach: 'broadcast' },
};

describe('toPostmarkMessage', () => {
  it('maps every field', async () => {
    const message = await fullTestMessage({
      from: { address: 'News@Example.com', name: 'Example, Inc.' },
      tags: ['welcome', 'onboarding', 'v2'],
      metadata: { user: 42, 'Relaykit-Message-Id': 'spoof' },
    });
    const out = toPostmarkMessage(message, {
      ...settings,
      trackOpens: true,
      trackLinks: 'HtmlOnly',
    });
    expect(out).toEqual({
      From: '"Example, Inc." <News@example.com>',
      To: 'a@example.org, Bob <b@example.org>',
      Cc: 'c@example.org',
      Bcc: 'd@example.org',
      ReplyTo: 'help@example.com',
      Subject: 'Hi',
      TextBody: 'text',
      HtmlBody: '<p>hi <img src="cid:logo"></p>',
      MessageStream: 'outbound',
      Tag: 'welcome',
      TrackOpens: true,
      TrackLinks: 'HtmlOnly',
      Headers: [
        { Name: 'X-Campaign', Value: 'spring' },
        { Name: 'List-Unsubscribe', Value: '<https://example.com/u>' },
        { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
      ],
      Attachments: [
        {
          Name: 'a.txt',
          Content: Buffer.from('hello').toString('base64'),
          ContentType: 'text/plain',
          ContentID: null,
        },
        { Name: 'logo.png', Content: 'AQID', ContentType: 'image/png', ContentID: 'cid:logo' },
      ],
      Metadata: {
        user: '42',
        'relaykit-message-id': 'rk_1',
        'relaykit-tags': '["onboarding","v2"]',
      },
    });
  });

  it('leaves out what the message does not have', async () => {
    const out = toPostmarkMessage(
      await normalizeMessage({
        id: 'rk_2',
        from: 'a@example.com',
        bcc: 'b@example.org',
        subject: 's',
        text: 't',
      }),
      settings,
    );
    expect(out).toEqual({
      From: 'a@example.com',
      Bcc: 'b@example.org',
      Subject: 's',
      TextBody: 't',
      MessageStream: 'outbound',
      Metadata: { 'relaykit-message-id': 'rk_2' },
    });
  });

  it('maps relaykit streams to Postmark message streams', () => {
    expect(messageStreamFor({ stream: 'outreach' }, settings)).toBe('broadcast');
    expect(messageStreamFor({ stream: 'transactional' }, settings)).toBe('outbound');
    expect(messageStreamFor({}, settings)).toBe('outbound');
  });

  it('refuses what Postmark cannot carry, before any call', async () => {
    const many = await normalizeMessage({
      from: 'a@example.com',
      to: Array.from({ length: 51 }, (_, i) => `r${i}@example.org`),
      subject: 's',
      text: 't',
    });
    expect(() => toPostmarkMessage(many, settings)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'to' }) as RelayError,
    );
    const later = await normalizeMessage({
      from: 'a@example.com',
      to: 'b@example.org',
      subject: 's',
      text: 't',
      sendAt: new Date(Date.now() + 60_000),
    });
    expect(() => toPostmarkMessage(later, settings)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'sendAt' }) as RelayError,
    );
  });
});

describe('toPostmarkTemplated', () => {
  const templated = (id: string) =>
    normalizeMessage({
      id: 'rk_t',
      from: 'shop@example.com',
      to: 'ann@example.org',
      tags: ['welcome'],
      template: { id, data: { name: 'Ann' } },
    });

  it('sends an alias as TemplateAlias and an all-digit id as TemplateId, the data as TemplateModel', async () => {
    const alias = toPostmarkTemplated(await templated('welcome'), settings, 'welcome');
    expect(alias).toMatchObject({
      TemplateAlias: 'welcome',
      TemplateModel: { name: 'Ann' },
      Tag: 'welcome',
      Metadata: { 'relaykit-message-id': 'rk_t' },
    });
    expect(alias).not.toHaveProperty('Subject');
    expect(alias).not.toHaveProperty('TemplateId');
    const numeric = toPostmarkTemplated(await templated('1234'), settings, '1234');
    expect(numeric).toMatchObject({ TemplateId: 1234 });
    expect(numeric).not.toHaveProperty('TemplateAlias');
  });
});
