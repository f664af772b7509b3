import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchAbort } from './abort.ts';
import { sleep } from './sleep.ts';

describe('watchAbort', () => {
  it('puts one listener on a signal for any number of waits, and none once they end', async () => {
    const caller = new AbortController();
    const sleeps = Array.from({ length: 50 }, () => sleep(10, caller.signal));
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    await Promise.all(sleeps);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('calls every waiting callback when the signal aborts', async () => {
    const caller = new AbortController();
    const sleeps = Array.from({ length: 20 }, () =>
      sleep(60_000, caller.signal).catch((e: unknown) => e),
    );
    caller.abort(new Error('stop'));
    const reasons = await Promise.all(sleeps);
    expect(reasons.every((r) => (r as Error).message === 'stop')).toBe(true);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('forgets a callback once unwatched', () => {
    const caller = new AbortController();
    let called = 0;
    const stop = watchAbort(caller.signal, () => (called += 1));
    watchAbort(caller.signal, () => (called += 10));
    stop();
    caller.abort();
    expect(called).toBe(10);
  });
});
