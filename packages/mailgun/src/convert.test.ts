import { normalizeMessage, type Message, type MessageInput } from '@relaykit/core';
import type { CustomFile } from 'mailgun.js/definitions';
import { describe, expect, it } from 'vitest';
import {
  batchKey,
  batchMemberId,
  normalizeMessageId,
  toMailgunBatch,
  toMailgunMessage,
} from './convert.ts';

const convert = { messageIdVariable: 'relaykit-message-id', schedulingHorizonMs: 3 * 86_400_000 };
const message = (input: Partial<MessageInput> = {}): Promise<Message> =>
  normalizeMessage({
    id: 'msg_1',
    from: 'Shop <shop@example.com>',
    to: 'a@example.org',
    subject: 'Hi',
    text: 'hello',
    ...input,
  });

describe('toMailgunMessage', () => {
  it('maps addresses, bodies, reply-to, headers, metadata and the relaykit id', async () => {
    const data = toMailgunMessage(
      await message({
        to: ['A <a@example.org>', 'b@example.org'],
        cc: 'c@example.org',
        bcc: 'd@example.org',
        replyTo: ['r1@example.com', 'Help Desk <r2@example.com>'],
        html: '<p>hi</p>',
        headers: { 'X-Campaign': 'spring' },
        metadata: { order: 42, vip: true },
        stream: 'outreach',
        listUnsubscribe: { url: 'https://example.com/u', oneClick: true },
      }),
      convert,
    ) as Record<string, unknown>;
    expect(data).toMatchObject({
      from: 'Shop <shop@example.com>',
      to: ['A <a@example.org>', 'b@example.org'],
      cc: ['c@example.org'],
      bcc: ['d@example.org'],
      subject: 'Hi',
      text: 'hello',
      html: '<p>hi</p>',
      'h:Reply-To': 'r1@example.com, Help Desk <r2@example.com>',
      'h:X-Campaign': 'spring',
      'h:List-Unsubscribe': '<https://example.com/u>',
      'h:List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'v:order': '42',
      'v:vip': 'true',
      'v:relaykit-stream': 'outreach',
      'v:relaykit-message-id': 'msg_1',
    });
    expect(data['o:tag']).toBeUndefined();
  });

  it('keeps three tags as o:tag and carries all of them in v:relaykit-tags', async () => {
    const few = toMailgunMessage(await message({ tags: ['a', 'b'] }), convert) as Record<
      string,
      unknown
    >;
    expect(few['o:tag']).toEqual(['a', 'b']);
    expect(few['v:relaykit-tags']).toBeUndefined();
    const many = toMailgunMessage(
      await message({ tags: ['a', 'b', 'c', 'd', 'e'] }),
      convert,
    ) as Record<string, unknown>;
    expect(many['o:tag']).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(many['v:relaykit-tags'] as string)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('sends attachments and inline parts with filename and content type as Buffers', async () => {
    const data = toMailgunMessage(
      await message({
        html: '<img src="cid:logo"><img src="cid:logo.png">',
        attachments: [
          { filename: 'report.pdf', content: 'JVBERi0=', encoding: 'base64' },
          { filename: 'logo.png', content: new Uint8Array([1, 2, 3]), cid: 'logo' },
          { filename: 'data.bin', content: 'x', contentType: 'application/x-custom' },
        ],
      }),
      convert,
    ) as Record<string, unknown>;
    const files = data['attachment'] as CustomFile[];
    expect(files.map((f) => [f.filename, f.contentType])).toEqual([
      ['report.pdf', 'application/pdf'],
      ['data.bin', 'application/x-custom'],
    ]);
    expect(Buffer.isBuffer(files[0]?.data)).toBe(true);
    expect((files[0]?.data as Buffer).toString('latin1')).toBe('%PDF-');
    const inline = data['inline'] as CustomFile[];
    expect(inline).toHaveLength(1);
    expect(inline[0]).toMatchObject({
      filename: 'logo.png',
      contentType: 'image/png',
      knownLength: 3,
    });
    // Mailgun's Content-ID is the filename: references to the cid follow it (and only exact ones).
    expect(data['html']).toBe('<img src="cid:logo.png"><img src="cid:logo.png">');
  });

  it('gives a second inline part with the same filename its cid as name', async () => {
    const data = toMailgunMessage(
      await message({
        html: '<img src="cid:a"><img src="cid:b">',
        attachments: [
          { filename: 'img.png', content: 'a', cid: 'a' },
          { filename: 'img.png', content: 'b', cid: 'b' },
        ],
      }),
      convert,
    ) as Record<string, unknown>;
    expect((data['inline'] as CustomFile[]).map((f) => f.filename)).toEqual(['img.png', 'b']);
    expect(data['html']).toBe('<img src="cid:img.png"><img src="cid:b">');
  });

  it('sets test mode, tracking and delivery time', async () => {
    const sendAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2 * 86_400_000);
    const data = toMailgunMessage(await message({ sendAt }), {
      ...convert,
      testMode: true,
      trackOpens: false,
      trackClicks: 'htmlonly',
    }) as Record<string, unknown>;
    expect(data).toMatchObject({
      'o:testmode': 'yes',
      'o:tracking-opens': 'no',
      'o:tracking-clicks': 'htmlonly',
      'o:deliverytime': sendAt.toUTCString(),
    });
  });

  it('schedules only within its horizon, and sends a past sendAt now', async () => {
    const later = await message({ sendAt: new Date(Date.now() + 4 * 86_400_000) });
    expect(() => toMailgunMessage(later, convert)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'sendAt' }),
    );
    const past = await message({ sendAt: new Date(Date.now() - 1000) });
    expect(toMailgunMessage(past, convert)).not.toHaveProperty('o:deliverytime');
  });

  it('refuses more than 1,000 recipients in one message', async () => {
    const to = Array.from({ length: 1001 }, (_, i) => `r${i}@example.org`);
    const wide = await message({ to });
    expect(() => toMailgunMessage(wide, convert)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'to' }),
    );
  });

  it("refuses o:/h:/v: parameters over Mailgun's 16 kB", async () => {
    const big = await message({ metadata: { blob: 'x'.repeat(17_000) } });
    expect(() => toMailgunMessage(big, convert)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'metadata' }),
    );
  });
});

describe('batches', () => {
  it('groups only single-To messages with equal content', async () => {
    const a = await message({ id: 'm1', to: 'a@example.org' });
    const b = await message({ id: 'm2', to: 'b@example.org' });
    expect(batchKey(a)).toBe(batchKey(b));
    expect(batchKey(await message({ id: 'm3', to: 'c@example.org', subject: 'Other' }))).not.toBe(
      batchKey(a),
    );
    expect(batchKey(await message({ to: ['a@example.org', 'b@example.org'] }))).toBeUndefined();
    expect(batchKey(await message({ cc: 'c@example.org' }))).toBeUndefined();
    expect(
      batchKey(await message({ attachments: [{ filename: 'a.txt', content: 'x' }] })),
    ).not.toBe(batchKey(await message({ attachments: [{ filename: 'a.txt', content: 'y' }] })));
  });

  it('builds recipient-variables naming each recipient’s message id', async () => {
    const data = toMailgunBatch(
      [
        await message({ id: 'm1', to: 'A <a@example.org>' }),
        await message({ id: 'm2', to: 'b@example.org' }),
      ],
      convert,
    ) as Record<string, unknown>;
    expect(data['to']).toEqual(['A <a@example.org>', 'b@example.org']);
    expect(JSON.parse(data['recipient-variables'] as string)).toEqual({
      'a@example.org': { relaykit_message_id: 'm1' },
      'b@example.org': { relaykit_message_id: 'm2' },
    });
    expect(data['v:relaykit-message-id']).toBe('%recipient.relaykit_message_id%');
    expect(data['v:relaykit-batch']).toBe('1');
  });
});

describe('message ids', () => {
  it('normalises with or without angle brackets to the same id', () => {
    expect(normalizeMessageId('<20240101.1@mg.example.com>')).toBe('20240101.1@mg.example.com');
    expect(normalizeMessageId(' 20240101.1@mg.example.com ')).toBe('20240101.1@mg.example.com');
    expect(batchMemberId('<x@mg>', 'B@Example.org')).toBe('x@mg/b@example.org');
  });
});

describe('templates', () => {
  const templated = (to: string, data: Record<string, string | Record<string, string>>) =>
    message({ to, subject: undefined, text: undefined, template: { id: 'welcome', data } });

  it('sends the template name and the data as h:X-Mailgun-Variables, without a subject', async () => {
    const data = toMailgunMessage(await templated('a@example.org', { name: 'Ann' }), convert);
    expect(data).toMatchObject({
      template: 'welcome',
      'h:X-Mailgun-Variables': '{"name":"Ann"}',
    });
    expect(data).not.toHaveProperty('subject');
  });

  it('batches flat data per recipient, JSON-escaped; nested data is not batched', async () => {
    const a = await templated('a@example.org', { name: 'A "q"' });
    const b = await templated('b@example.org', { name: 'B' });
    expect(batchKey(a)).toBe(batchKey(b));
    expect(batchKey(await templated('c@example.org', { name: { first: 'C' } }))).toBeUndefined();
    const data = toMailgunBatch([a, b], convert) as Record<string, unknown>;
    expect(data['h:X-Mailgun-Variables']).toBe('{"name":"%recipient.t_name%"}');
    const variables = JSON.parse(String(data['recipient-variables'])) as Record<
      string,
      Record<string, string>
    >;
    expect(variables['a@example.org']?.['t_name']).toBe('A \\"q\\"');
    // Substituted as text into the variables' JSON, it reads back as the value.
    const own = variables['a@example.org']?.['t_name'] ?? '';
    expect(JSON.parse(`{"name":"${own}"}`)).toEqual({ name: 'A "q"' });
  });
});
