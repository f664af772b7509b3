import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../provider.ts';
import { deliveryEvent, readOnce } from './webhook.ts';

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

describe('readOnce', () => {
  const request = (body: string): WebhookRequest => ({
    method: 'POST',
    url: 'http://localhost/webhooks/x',
    headers: new Headers(),
    body,
  });

  it('reads a request once for its verify and its parse, and every other request on its own', () => {
    let reads = 0;
    const read = readOnce((r) => {
      reads += 1;
      return JSON.parse(r.body) as unknown;
    });
    const a = request('{"n":1}');
    const b = request('{"n":1}');
    expect(read(a)).toBe(read(a));
    expect(reads).toBe(1);
    // The same bytes in another request are that request's: read again.
    expect(read(b)).toEqual(read(a));
    expect(reads).toBe(2);
    // A body replaced on the same object is read again.
    a.body = '{"n":2}';
    expect(read(a)).toEqual({ n: 2 });
    expect(reads).toBe(3);
  });

  it('keeps a bounded number of readings, none of a large body nor of a reading that threw', () => {
    let reads = 0;
    const read = readOnce((r) => {
      reads += 1;
      if (r.body === 'bad') throw new Error('not JSON');
      return r.body.length;
    });
    const first = request('{}');
    read(first);
    for (let i = 0; i < 100; i += 1) read(request(`{"i":${i}}`));
    // Pushed out by a hundred later requests: read again, to the same result.
    expect(read(first)).toBe(2);
    expect(reads).toBe(102);
    const large = request(`"${'x'.repeat(70_000)}"`);
    read(large);
    read(large);
    expect(reads).toBe(104);
    const bad = request('bad');
    expect(() => read(bad)).toThrow('not JSON');
    expect(() => read(bad)).toThrow('not JSON');
    expect(reads).toBe(106);
  });
});
