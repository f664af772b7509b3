import { describe, expect, it } from 'vitest';
import { deliveryEvent } from './webhook.ts';

const read = {
  id: 'n1:a@example.org',
  type: 'bounced' as const,
  provider: 'ses',
  recipient: 'a@example.org',
  at: new Date(0),
  tags: ['welcome'],
  metadata: { user: '42' },
  raw: { any: 'payload' },
};

describe('deliveryEvent', () => {
  it('leaves out the facts a webhook did not find, and keeps the ones it did', () => {
    const bare = deliveryEvent({ ...read, messageId: undefined, url: undefined });
    expect(Object.keys(bare).sort()).toEqual(
      ['at', 'id', 'metadata', 'provider', 'raw', 'recipient', 'tags', 'type'].sort(),
    );
    expect(deliveryEvent({ ...read, messageId: 'rk_1', stream: 'news' })).toMatchObject({
      messageId: 'rk_1',
      stream: 'news',
    });
  });

  it('gives each event its own tags, metadata and bounce', () => {
    const bounce = { class: 'hard' as const, category: 'unknown-user' };
    const [first, second] = ['a@example.org', 'b@example.org'].map((recipient) =>
      deliveryEvent({ ...read, recipient, bounce }),
    );
    first?.tags.push('edited');
    if (first?.bounce) first.bounce.category = 'mailbox-full';
    (first as { metadata: Record<string, string> }).metadata['user'] = 'edited';
    expect(second).toMatchObject({ tags: ['welcome'], metadata: { user: '42' }, bounce });
    expect(read.tags).toEqual(['welcome']);
    expect(bounce.category).toBe('unknown-user');
  });
});
