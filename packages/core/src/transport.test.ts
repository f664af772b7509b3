import { getEventListeners } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RelayError } from './errors.ts';
import {
  runAttempt,
  toTransportError,
  transportError,
  transportFailureOf,
  transportFailures,
} from './transport.ts';

const at = { provider: 'p', service: 'Provider' };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

/** What fetch throws for a request to `url`. */
const failure = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
    () => undefined,
    (error: unknown) => error,
  );

describe('transport failures through a real socket', () => {
  const sockets = new Set<Socket>();
  let resetPort = 0;
  let plainPort = 0;
  let refusedPort = 0;
  const servers: Server[] = [];
  beforeAll(async () => {
    const reset = createServer((s) => {
      sockets.add(s);
      s.once('data', () => s.resetAndDestroy());
    });
    // Speaks no TLS: an https client gets a protocol error in the handshake.
    const plain = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\n\r\n'));
    });
    servers.push(reset, plain);
    resetPort = await listen(reset);
    plainPort = await listen(plain);
    const closed = createServer();
    refusedPort = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('a refused connection is refused: provider-unavailable', async () => {
    const error = await failure(`http://127.0.0.1:${refusedPort}/`);
    expect(transportFailureOf(error)).toEqual({ failure: 'refused', code: 'ECONNREFUSED' });
    expect(toTransportError(error, at)?.kind).toBe('provider-unavailable');
  });

  it('a host that does not resolve is dns: provider-unavailable', async () => {
    const error = await failure('http://relaykit.nonexistent.invalid/');
    expect(transportFailureOf(error)?.failure).toBe('dns');
    expect(toTransportError(error, at)?.kind).toBe('provider-unavailable');
  });

  it('a TLS handshake that fails is tls: provider-unavailable', async () => {
    const error = await failure(`https://127.0.0.1:${plainPort}/`);
    expect(transportFailureOf(error)?.failure).toBe('tls');
    expect(toTransportError(error, at)?.kind).toBe('provider-unavailable');
  });

  it('a reset is reset: transient', async () => {
    const error = await failure(`http://127.0.0.1:${resetPort}/`);
    expect(transportFailureOf(error)?.failure).toBe('reset');
    expect(toTransportError(error, at)?.kind).toBe('transient');
  });
});

describe('the table', () => {
  it('gives nothing-sent failures provider-unavailable and maybe-sent ones transient', () => {
    for (const [failure, rule] of Object.entries(transportFailures)) {
      expect(rule.kind, failure).toBe(rule.maybeSent ? 'transient' : 'provider-unavailable');
    }
  });

  it('names certificate errors as tls', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'ERR_SSL_WRONG_VERSION_NUMBER',
    ]) {
      expect(transportFailureOf({ code })?.failure, code).toBe('tls');
    }
  });

  it('does not retry a send the caller aborted', () => {
    const error = transportError('aborted', at);
    expect(error.kind).toBe('transient');
    expect(error.retryable).toBe(false);
    expect(error.providerCode).toBe('ABORT_ERR');
  });

  it('leaves errors that are not transport failures to the adapter', () => {
    expect(toTransportError(new Error('HTTP 400'), at)).toBeUndefined();
    expect(toTransportError(new RelayError({ kind: 'auth', message: 'x' }), at)).toBeUndefined();
  });
});

describe('runAttempt', () => {
  it('ends a request that never answers at timeoutMs, even when it ignores its signal', async () => {
    const started = performance.now();
    const error = await runAttempt({ ...at, timeoutMs: 500 }, () => new Promise(() => {})).catch(
      (e: unknown) => e,
    );
    const took = performance.now() - started;
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).providerCode).toBe('ETIMEDOUT');
    expect((error as RelayError).kind).toBe('transient');
    expect(took).toBeGreaterThanOrEqual(495);
    expect(took).toBeLessThan(550);
  });

  it('aborts the request signal on timeout, so the SDK can stop', async () => {
    let seen: AbortSignal | undefined;
    await runAttempt({ ...at, timeoutMs: 20 }, (signal) => {
      seen = signal;
      return new Promise(() => {});
    }).catch(() => undefined);
    expect(seen?.aborted).toBe(true);
  });

  it('ends at once with ABORT_ERR when the caller aborts', async () => {
    const caller = new AbortController();
    const pending = runAttempt({ ...at, timeoutMs: 10_000, signal: caller.signal }, (signal) => {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('fetch failed'))),
      );
    }).catch((e: unknown) => e);
    caller.abort();
    const error = (await pending) as RelayError;
    expect(error.providerCode).toBe('ABORT_ERR');
    expect(error.retryable).toBe(false);
    const before = await runAttempt({ ...at, signal: caller.signal }, async () => 1).catch(
      (e: unknown) => e,
    );
    expect((before as RelayError).providerCode).toBe('ABORT_ERR');
  });

  it('leaves no listener on a signal shared by many attempts', async () => {
    const shared = new AbortController().signal;
    for (let i = 0; i < 1000; i += 1) {
      await runAttempt({ ...at, signal: shared }, async () => i);
      await runAttempt({ ...at, signal: shared }, async () => {
        throw new Error('refused');
      }).catch(() => undefined);
    }
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });

  it('holds one listener on a caller signal however many attempts run on it at once', async () => {
    const caller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const pending = Array.from({ length: 50 }, () =>
        runAttempt({ ...at, signal: caller.signal }, () => new Promise<never>(() => {})).catch(
          (e: unknown) => e as RelayError,
        ),
      );
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
      caller.abort();
      const errors = await Promise.all(pending);
      expect(errors.map((e) => (e as RelayError).providerCode)).toEqual(
        Array(50).fill('ABORT_ERR'),
      );
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('without a caller signal, ends each attempt at its own deadline and aborts a shared signal only once all have ended', async () => {
    // On the test's own clock: the two attempts must start 5 ms apart, inside one 10 ms slot, and
    // the first time out before the second is due. On a loaded host a real 5 ms timer ran 10 ms
    // late and put the second attempt in the next slot.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const signals = new Set<AbortSignal>();
      const started = performance.now();
      let release!: () => void;
      const slow = new Promise<string>((r) => (release = () => r('slow')));
      const stalled = runAttempt({ ...at, timeoutMs: 320 }, (signal) => {
        signals.add(signal);
        return new Promise<never>(() => {});
      }).catch((e: unknown) => e as RelayError);
      await vi.advanceTimersByTimeAsync(5);
      const answered = runAttempt({ ...at, timeoutMs: 320 }, (signal) => {
        signals.add(signal);
        return slow;
      });
      let ended = false;
      void stalled.then(() => (ended = true));
      // Not before its deadline (320 ms)...
      await vi.advanceTimersByTimeAsync(314);
      expect(ended).toBe(false);
      // ...and at it, while the second attempt's (325 ms) has not come.
      await vi.advanceTimersByTimeAsync(4);
      expect(ended).toBe(true);
      const error = await stalled;
      expect(error.providerCode).toBe('ETIMEDOUT');
      expect(performance.now() - started).toBeLessThan(325);
      expect(signals.size).toBe(1);
      const [signal] = [...signals] as [AbortSignal];
      // The other attempt of the slot is still under way: its signal is not aborted under it.
      expect(signal.aborted).toBe(false);
      release();
      await expect(answered).resolves.toBe('slow');
      expect(signal.aborted).toBe(true);
      expect((signal.reason as RelayError).providerCode).toBe('ETIMEDOUT');
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs 10,000 attempts without a caller signal with no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const results = await Promise.all(
        Array.from({ length: 10_000 }, (_, i) =>
          runAttempt({ ...at, timeoutMs: 5_000 }, async (signal) => {
            // What fetch does with the signal it is given.
            signal.addEventListener('abort', () => undefined);
            return i;
          }),
        ),
      );
      expect(results[9_999]).toBe(9_999);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("passes the SDK's own error through when nothing was aborted", async () => {
    const error = await runAttempt(at, async () => {
      throw new Error('boom');
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('boom');
  });
});
