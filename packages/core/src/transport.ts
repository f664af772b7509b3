import { setMaxListeners } from 'node:events';
import { watchAbort } from './abort.ts';
import { RelayError, type RelayErrorKind } from './errors.ts';

/**
 * What went wrong below HTTP (or with the bytes of a success answer). Every adapter sorts its
 * SDK's failures into these, and the table below decides their kind, so the same failure is the
 * same RelayError on every provider.
 */
export type TransportFailure =
  'refused' | 'dns' | 'tls' | 'reset' | 'timeout' | 'aborted' | 'malformed';

export interface TransportRule {
  kind: RelayErrorKind;
  /** `providerCode` of the error, the same on every adapter (the code seen is in the message). */
  code: string;
  /** False when a later attempt must not be made (the caller gave up). */
  retryable?: boolean;
  /** Whether the provider may have accepted the message. */
  maybeSent: boolean;
  describe(service: string, detail: string): string;
}

/**
 * The kind of each transport failure. Nothing reached the provider when the connection was refused,
 * the host did not resolve or its certificate was not trusted: the provider is out of reach, so the
 * relay fails over at once (`provider-unavailable`). A reset, a timeout or an unreadable success
 * answer may come after the provider took the message: `transient`, retried on the same provider
 * first, with the same idempotency key where the provider takes one. A send the caller aborted is
 * not retried.
 */
export const transportFailures: Readonly<Record<TransportFailure, TransportRule>> = {
  refused: {
    kind: 'provider-unavailable',
    code: 'ECONNREFUSED',
    maybeSent: false,
    describe: (s, d) =>
      `cannot connect to ${s} (${d}); nothing was sent. Check baseUrl; relaykit fails over to the next provider`,
  },
  dns: {
    kind: 'provider-unavailable',
    code: 'ENOTFOUND',
    maybeSent: false,
    describe: (s, d) =>
      `cannot resolve ${s}'s host name (${d}); nothing was sent. Check baseUrl and DNS; relaykit fails over to the next provider`,
  },
  tls: {
    kind: 'provider-unavailable',
    code: 'ETLS',
    maybeSent: false,
    describe: (s, d) =>
      `the TLS handshake with ${s} failed (${d}); nothing was sent. Check that baseUrl is the provider's own https host and that no proxy intercepts TLS`,
  },
  reset: {
    kind: 'transient',
    code: 'ECONNRESET',
    maybeSent: true,
    describe: (s, d) =>
      `the connection to ${s} was reset (${d}); it may have taken the message. relaykit retries`,
  },
  timeout: {
    kind: 'transient',
    code: 'ETIMEDOUT',
    maybeSent: true,
    describe: (s, d) =>
      `${s} did not answer in time (${d}); it may have taken the message. relaykit retries, then fails over; raise timeoutMs if the provider is merely slow`,
  },
  aborted: {
    kind: 'transient',
    code: 'ABORT_ERR',
    retryable: false,
    maybeSent: true,
    describe: (s, d) =>
      `the send was aborted by the caller's signal before ${s} answered (${d}); it may have taken the message. Not retried`,
  },
  malformed: {
    kind: 'transient',
    code: 'EBADRESPONSE',
    maybeSent: true,
    describe: (s, d) =>
      `${s} answered success with a body that cannot be read (${d}); it may have taken the message. relaykit retries`,
  },
};

const codeFailures: Record<string, TransportFailure> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EHOSTDOWN: 'refused',
  ENETDOWN: 'refused',
  EADDRNOTAVAIL: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  // axios reports its own timeout as ECONNABORTED (axios lib/adapters/http.js).
  ECONNABORTED: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ABORT_ERR: 'aborted',
  EPROTO: 'tls',
};

/**
 * Certificate verification codes are OpenSSL's X509_V_ERR names without the prefix
 * (node/doc/api/tls.md "X509 certificate error codes"), plus Node's ERR_TLS_* and ERR_SSL_*.
 */
const tlsCode =
  /^(?:ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|INVALID_CA|HOSTNAME_MISMATCH)/u;

/** The failure an error code (Node errno, undici, axios, OpenSSL) names, if it names one. */
export function transportFailureOfCode(code: string): TransportFailure | undefined {
  return codeFailures[code] ?? (tlsCode.test(code) ? 'tls' : undefined);
}

/**
 * Looks through an error and its `cause` chain (fetch wraps the socket error in a TypeError) for a
 * code that names a transport failure. Returns the failure and the code that named it.
 */
export function transportFailureOf(
  error: unknown,
): { failure: TransportFailure; code: string } | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e !== null && typeof e === 'object' && !seen.has(e);) {
    seen.add(e);
    const record = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.code === 'string') {
      const failure = transportFailureOfCode(record.code);
      if (failure) return { failure, code: record.code };
    }
    if (record.name === 'TimeoutError') return { failure: 'timeout', code: 'ETIMEDOUT' };
    if (record.name === 'AbortError') return { failure: 'aborted', code: 'ABORT_ERR' };
    // Node's happy-eyeballs connect throws an AggregateError of the per-address failures.
    if (Array.isArray(record.errors) && record.errors.length > 0) {
      const inner = transportFailureOf(record.errors[0]);
      if (inner) return inner;
    }
    e = record.cause;
  }
  return undefined;
}

export interface TransportErrorOptions {
  /** The relay's name for the provider. */
  provider: string;
  /** The provider as people know it ('SES', 'Postmark'), for the message. */
  service: string;
  /** The code seen (e.g. 'EAI_AGAIN'), for the message. */
  code?: string;
  /** A few words on what was seen, for the message. */
  detail?: string;
  cause?: unknown;
}

/** The RelayError for a transport failure, with the kind the table gives it. */
export function transportError(
  failure: TransportFailure,
  options: TransportErrorOptions,
): RelayError {
  const rule = transportFailures[failure];
  // One providerCode per failure on every adapter; the code actually seen goes in the message.
  return new RelayError({
    kind: rule.kind,
    provider: options.provider,
    providerCode: rule.code,
    ...(rule.retryable === undefined ? {} : { retryable: rule.retryable }),
    message: rule.describe(options.service, options.detail ?? options.code ?? rule.code),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/**
 * Maps an error to the table's RelayError when it is a transport failure; undefined otherwise, so
 * the adapter can map what the provider answered.
 */
export function toTransportError(
  error: unknown,
  options: Omit<TransportErrorOptions, 'code' | 'cause'>,
): RelayError | undefined {
  if (error instanceof RelayError) return undefined;
  const found = transportFailureOf(error);
  if (!found) return undefined;
  return transportError(found.failure, { ...options, code: found.code, cause: error });
}

/** Per-attempt timeout when an adapter's `timeoutMs` is not set. */
export const defaultTimeoutMs = 15_000;

export interface AttemptOptions {
  /** The relay's name for the provider. */
  provider: string;
  /** The provider as people know it, for messages. */
  service: string;
  /** The attempt ends after this long. @default defaultTimeoutMs */
  timeoutMs?: number | undefined;
  /** The caller's signal: aborting it ends the attempt at once. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs one request to a provider as one attempt: it ends after `timeoutMs` (a `timeout` failure)
 * or when the caller's signal aborts (`aborted`), even when the SDK ignores its signal, and the
 * signal handed to `run` is aborted then, so an SDK that takes one closes the request.
 *
 * Without a caller's signal (most sends), attempts share their timing: one timer per `timeoutMs`
 * value ends every attempt that is due (see `AttemptWheel`), and the attempts started within the
 * same 1/32 of `timeoutMs` (16 at most) share one AbortSignal, aborted once each of them has ended and one of
 * them ran out of time. A per-attempt AbortController, timer and Promise.race cost a fetch-based
 * send about a tenth of the SDK's own CPU (test/bench/adapter-overhead.bench.ts). With a caller's
 * signal, the attempt has a signal of its own, tied to the caller's through one listener per
 * caller signal (`watchAbort`), removed when the attempt ends.
 */
export function runAttempt<T>(
  options: AttemptOptions,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const caller = options.signal;
  if (caller === undefined) return wheelFor(timeoutMs).run(options, run);
  return runWithCaller(options, caller, timeoutMs, run);
}

function timeoutError(options: AttemptOptions, timeoutMs: number): RelayError {
  return transportError('timeout', {
    ...options,
    detail: `ETIMEDOUT after ${timeoutMs} ms`,
    cause: new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'),
  });
}

/** Attempts started within one slot share its AbortSignal. */
interface Slot {
  controller: AbortController;
  /** No attempt joins after this (performance.now()). */
  closesAt: number;
  /** Attempts that have joined the slot. */
  joined: number;
  /** Attempts of the slot that have not ended. */
  open: number;
  /** Set when one of them ran out of time: the signal is aborted once `open` is 0. */
  timedOut: RelayError | undefined;
}

interface Pending {
  deadline: number;
  slot: Slot;
  /** Cleared when the attempt ends. */
  fail: ((error: RelayError) => void) | undefined;
  options: AttemptOptions | undefined;
}

/**
 * The timing of every attempt with one `timeoutMs` and no caller's signal. Deadlines come in the
 * order attempts start, so a queue and one timer (armed for the first deadline, then at most every
 * 1/32 of `timeoutMs`) end each attempt within `timeoutMs` + 1/32. The timer is unref'd: a
 * pending request keeps the process alive through its socket, not through relaykit's timer.
 */
class AttemptWheel {
  private readonly queue: Pending[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: Slot | undefined;
  private readonly slotMs: number;

  constructor(private readonly timeoutMs: number) {
    this.slotMs = Math.max(1, Math.floor(timeoutMs / 32));
  }

  run<T>(options: AttemptOptions, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const now = performance.now();
    const slot = this.slotAt(now);
    slot.open += 1;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: now + this.timeoutMs, slot, fail: reject, options };
      this.queue.push(entry);
      if (this.timer === undefined) this.arm(this.timeoutMs);
      let request: Promise<T>;
      try {
        request = run(slot.controller.signal);
      } catch (error) {
        if (this.end(entry)) reject(error);
        return;
      }
      request.then(
        (value) => {
          if (this.end(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.end(entry)) reject(error);
        },
      );
    });
  }

  private slotAt(now: number): Slot {
    const slot = this.current;
    if (
      slot !== undefined &&
      now < slot.closesAt &&
      slot.joined < attemptsPerSignal &&
      !slot.controller.signal.aborted
    ) {
      slot.joined += 1;
      return slot;
    }
    const controller = new AbortController();
    // Each request of the slot may listen on its signal (fetch drops its listener only when the
    // request is collected), at most attemptsPerSignal of them: a bound, so no warning. Not 0 for
    // "no limit": undici's fetch reads it back with events.getMaxListeners, which throws (and
    // fetch catches, at a cost) on 0.
    setMaxListeners(attemptsPerSignal * 4, controller.signal);
    this.current = {
      controller,
      closesAt: now + this.slotMs,
      joined: 1,
      open: 0,
      timedOut: undefined,
    };
    return this.current;
  }

  /** Marks the attempt ended; false when it had ended already (timed out). */
  private end(entry: Pending): boolean {
    if (entry.fail === undefined) return false;
    entry.fail = undefined;
    entry.options = undefined;
    const slot = entry.slot;
    slot.open -= 1;
    if (slot.open === 0 && slot.timedOut) slot.controller.abort(slot.timedOut);
    return true;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.tick, Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const entry = queue[this.head] as Pending;
      if (entry.fail !== undefined) {
        if (entry.deadline > now) break;
        const fail = entry.fail;
        const error = timeoutError(entry.options as AttemptOptions, this.timeoutMs);
        entry.slot.timedOut ??= error;
        this.end(entry);
        fail(error);
      }
      this.head += 1;
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > queue.length) {
      queue.splice(0, this.head);
      this.head = 0;
    }
    const next = (queue[this.head] as Pending).deadline - now;
    this.arm(Math.max(next, this.slotMs));
  };
}

/**
 * Attempts that share one AbortSignal at most. EventTarget's addEventListener walks the signal's
 * listeners (node/lib/internal/event_target.js), and fetch adds one per request: a few dozen on one
 * signal keep that walk short while one AbortController serves many requests.
 */
const attemptsPerSignal = 16;

const wheels = new Map<number, AttemptWheel>();

function wheelFor(timeoutMs: number): AttemptWheel {
  let wheel = wheels.get(timeoutMs);
  if (wheel === undefined) {
    wheel = new AttemptWheel(timeoutMs);
    wheels.set(timeoutMs, wheel);
  }
  return wheel;
}

/** An attempt on a caller's signal: a signal, a timer and a listener of its own. */
async function runWithCaller<T>(
  options: AttemptOptions,
  caller: AbortSignal,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (caller.aborted) {
    throw transportError('aborted', { ...options, cause: caller.reason, detail: 'ABORT_ERR' });
  }
  const controller = new AbortController();
  let fail!: (error: RelayError) => void;
  const ended = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const stop = (error: RelayError) => {
    controller.abort(error);
    fail(error);
  };
  const timer = setTimeout(() => stop(timeoutError(options, timeoutMs)), timeoutMs);
  const unwatch = watchAbort(caller, () =>
    stop(transportError('aborted', { ...options, cause: caller.reason, detail: 'ABORT_ERR' })),
  );
  try {
    return await Promise.race([run(controller.signal), ended]);
  } catch (error) {
    // Whatever the SDK threw after the abort (an AbortError, "fetch failed") is the abort itself.
    if (controller.signal.aborted) throw controller.signal.reason as RelayError;
    throw error;
  } finally {
    clearTimeout(timer);
    unwatch();
  }
}
