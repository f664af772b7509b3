import { describe, expect, it } from 'vitest';
import type { QueuedMessage } from '../stores.ts';
import { memoryOutbox } from './outbox.ts';

const queued = (id: string): QueuedMessage => ({
  id,
  message: { id, subject: `s-${id}` },
  enqueuedAt: new Date(0),
  dueAt: new Date(0),
  expiresAt: new Date(Date.now() + 86_400_000),
  attempts: 0,
});

describe('memoryOutbox bounds', () => {
  it('forgets the oldest finished messages past maxFinished, never a queued one', async () => {
    const outbox = memoryOutbox({ maxFinished: 16 });
    const ids = Array.from({ length: 200 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    await outbox.enqueue(ids.map(queued));
    // One at a time, so they finish in order.
    const consumer = outbox.consume(
      async (m) =>
        m.id === 'm199'
          ? new Promise(() => undefined)
          : { type: 'done', status: m.id < 'm100' ? 'sent' : 'dead', reason: 'message-rejected' },
      { concurrency: 1, pollMs: 1 },
    );
    const started = Date.now();
    while ((await outbox.counts()).queued > 0 && Date.now() - started < 10_000)
      await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    const counts = await outbox.counts();
    // m199 stays in flight: held whatever the bound.
    expect(counts.inFlight).toBe(1);
    expect(await outbox.get('m199')).toBeDefined();
    const held = counts.sent + counts.dead;
    expect(held).toBeGreaterThanOrEqual(16);
    expect(held).toBeLessThanOrEqual(16 + 2 * 2);
    // The newest finished are there, the oldest went first.
    expect((await outbox.get('m198'))?.id).toBe('m198');
    expect(await outbox.get('m000')).toBeUndefined();
    const dead = await outbox.deadLetters({ limit: 5 });
    expect(dead.map((d) => d.id)).toEqual(['m198', 'm197', 'm196', 'm195', 'm194']);
    void consumer.stop();
  });
});
