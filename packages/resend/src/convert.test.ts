import { normalizeMessage, RelayError } from '@relaykit/core';
import { fullTestMessage, testMessage } from '@relaykit/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTagValue,
  deriveIdempotencyKey,
  encodeTagValue,
  sanitizeTag,
  splitByRecipient,
  toResendEmail,
  toResendTags,
} from './convert.ts';

const opts = { messageIdTag: 'relaykit_message_id' };

describe('toResendEmail', () => {
  it('maps every message field', async () => {
    const message = await fullTestMessage({
      from: { address: 'news@Example.COM', name: 'Acme News' },
      tags: ['welcome', 'tier 1'],
      metadata: { plan: 'pro', user: 'u@x' },
      sendAt: '2030-01-02T03:04:05Z',
      attachments: [
        { filename: 'a.txt', content: 'hello' },
        { filename: 'logo.png', content: new Uint8Array([1, 2, 3]), cid: '<logo>' },
      ],
    });
    const email = toResendEmail(message, opts);
    expect(email).toMatchObject({
      from: 'Acme News <news@example.com>',
      to: ['a@example.org', 'Bob <b@example.org>'],
      cc: ['c@example.org'],
      bcc: ['d@example.org'],
      replyTo: ['help@example.com'],
      subject: 'Hi',
      text: 'text',
      html: '<p>hi <img src="cid:logo"></p>',
      scheduledAt: '2030-01-02T03:04:05.000Z',
      headers: {
        'X-Campaign': 'spring',
        'List-Unsubscribe': '<https://example.com/u>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
      attachments: [
        {
          filename: 'a.txt',
          content: Buffer.from('hello').toString('base64'),
          contentType: 'text/plain',
        },
        { filename: 'logo.png', content: 'AQID', contentType: 'image/png', contentId: 'logo' },
      ],
    });
    expect(email.tags).toEqual([
      { name: 'welcome', value: 'welcome' },
      { name: 'tier_1', value: 'tier_1' },
      { name: 'plan', value: 'pro' },
      { name: 'user', value: 'u_x' },
      { name: 'relaykit_message_id', value: 'rk_1' },
      { name: 'relaykit_stream', value: 'transactional' },
    ]);
    expect(email.attachments?.[0]).not.toHaveProperty('contentId');
  });

  it('omits empty optional fields', async () => {
    const email = toResendEmail(await testMessage(), opts);
    expect(Object.keys(email).sort()).toEqual(['from', 'subject', 'tags', 'text', 'to']);
  });
});

describe('tags', () => {
  it('sanitises to Resend’s character set and length', () => {
    expect(sanitizeTag('a.b c/ü')).toBe('a_b_c__');
    expect(sanitizeTag('')).toBe('_');
    expect(sanitizeTag('x'.repeat(300))).toHaveLength(256);
    fc.assert(fc.property(fc.string(), (s) => /^[A-Za-z0-9_-]{1,256}$/u.test(sanitizeTag(s))));
  });

  it('encodes ids and streams reversibly', () => {
    expect(encodeTagValue('rk_0abc')).toBe('rk_0abc');
    expect(encodeTagValue('order:12.3')).toMatch(/^rk64_[A-Za-z0-9_-]+$/u);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), (s) => {
        const encoded = encodeTagValue(s);
        return /^[A-Za-z0-9_-]{1,256}$/u.test(encoded) && decodeTagValue(encoded) === s;
      }),
    );
  });

  it('carries the message id alone when there are no tags, metadata or stream, and beside them otherwise', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.array(fc.stringMatching(/^[a-z]{1,8}$/u), { maxLength: 3 }),
        fc.option(fc.stringMatching(/^[a-z]{1,8}$/u), { nil: undefined }),
        (id, tags, stream) => {
          const m = { id, tags, metadata: {}, ...(stream === undefined ? {} : { stream }) };
          const out = toResendTags(m, opts);
          const own = { name: 'relaykit_message_id', value: encodeTagValue(id) };
          const expected = [...new Map(tags.map((t) => [t, t])).entries()].map(([name, value]) => ({
            name,
            value,
          }));
          expected.push(own);
          if (stream !== undefined)
            expected.push({ name: 'relaykit_stream', value: encodeTagValue(stream) });
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('lets relaykit’s own tags win and refuses more than 75', async () => {
    const m = await testMessage({ id: 'x.y', metadata: { relaykit_message_id: 'forged' } });
    expect(toResendTags(m, opts)).toEqual([
      { name: 'relaykit_message_id', value: encodeTagValue('x.y') },
    ]);
    const many = await testMessage({
      tags: Array.from({ length: 50 }, (_, i) => `t${i}`),
      metadata: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`m${i}`, 'v'])),
    });
    expect(() => toResendTags(many, opts)).toThrow(RelayError);
  });
});

describe('split and keys', () => {
  it('makes one copy per recipient, each addressed to that recipient alone', async () => {
    const m = await normalizeMessage({
      from: 'a@example.com',
      to: ['b@example.com', 'c@example.com'],
      cc: 'd@example.com',
      bcc: 'e@example.com',
      subject: 's',
      text: 't',
    });
    const copies = splitByRecipient(m);
    expect(copies.map((c) => c.recipient)).toEqual([
      'b@example.com',
      'c@example.com',
      'd@example.com',
      'e@example.com',
    ]);
    for (const c of copies)
      expect(c.message).toMatchObject({
        to: [{ address: c.recipient }],
        cc: [],
        bcc: [],
        id: m.id,
      });
  });

  it('derives stable keys within Resend’s 256 characters', () => {
    expect(deriveIdempotencyKey('k')).toBe('k');
    expect(deriveIdempotencyKey('k', 'a@b.c')).toBe('k:a@b.c');
    const long = deriveIdempotencyKey('k'.repeat(256), 'a@b.c');
    expect(long).toHaveLength(71);
    expect(deriveIdempotencyKey('k'.repeat(256), 'a@b.c')).toBe(long);
  });
});

describe('templates', () => {
  it('sends template { id, variables } without subject or bodies; nested data is refused', async () => {
    const message = await normalizeMessage({
      id: 'rk_t',
      from: 'news@example.com',
      to: 'a@example.org',
      template: { id: 'welcome', ids: { resend: 'tpl_1' }, data: { name: 'Ann', n: 2, ok: true } },
    });
    const email = toResendEmail(message, opts);
    expect(email.template).toEqual({ id: 'tpl_1', variables: { name: 'Ann', n: 2, ok: 'true' } });
    expect(email).not.toHaveProperty('subject');
    expect(email).not.toHaveProperty('html');
    const nested = await normalizeMessage({
      from: 'news@example.com',
      to: 'a@example.org',
      template: { id: 'welcome', data: { order: { total: 1 } } },
    });
    expect(() => toResendEmail(nested, opts)).toThrow(
      expect.objectContaining({ kind: 'invalid', field: 'template.data.order' }),
    );
  });
});
