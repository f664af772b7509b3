import type { Prng } from '../prng.ts';
import type { Recorder } from '../recorder.ts';
import type { OutcomeKind, ProviderName, SimEvent } from '../types.ts';
import { RETRY_POLICIES } from './policy.ts';
import { postWebhook } from './post.ts';

/** A provider-built webhook before it is posted. */
export interface OutgoingWebhook {
  readonly provider: ProviderName;
  readonly id: string;
  readonly type: string;
  readonly kind: OutcomeKind | 'subscription';
  readonly messageId: string;
  readonly recipient: string;
  readonly payload: unknown;
  /**
   * Body and headers for one attempt. SNS and Mailgun sign once (the same bytes on every retry);
   * Svix signs each attempt with a fresh timestamp; Postmark counts the retries left.
   */
  render(
    attempt: number,
    retriesRemaining: number,
  ): { body: string; headers: Record<string, string> };
}

export interface DispatchOptions {
  readonly urlFor: (provider: ProviderName) => string | undefined;
  /** Real retry schedules are multiplied by this (default 0.0001: one minute becomes 6 ms). */
  readonly timeScale: number;
  /** Full retry schedules in ms, overriding the scaled provider schedule. */
  readonly delaysMs: Partial<Record<ProviderName, readonly number[]>>;
  /** Probability (0..1) that an event is posted twice. */
  readonly duplicates: number;
  readonly timeoutMs: number;
}

export interface Dispatcher {
  /** Post the webhook `delayMs` from now, retrying as its provider does. */
  enqueue(webhook: OutgoingWebhook, delayMs: number): void;
  /** Number of webhooks scheduled or in flight. */
  pending(): number;
  /** Cancel everything scheduled (in-flight posts finish but are not retried). */
  cancel(): void;
}

export function createDispatcher(
  options: DispatchOptions,
  recorder: Recorder,
  prng: Prng,
): Dispatcher {
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let generation = 0;
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    timers.add(timer);
  };
  const delaysFor = (provider: ProviderName): readonly number[] =>
    options.delaysMs[provider] ??
    RETRY_POLICIES[provider].delaysSec.map((s) => Math.max(1, s * 1000 * options.timeScale));

  const attempt = (webhook: OutgoingWebhook, event: SimEvent, url: string, gen: number): void => {
    const delays = delaysFor(webhook.provider);
    const retriesRemaining = Math.max(0, delays.length - event.attempts);
    const { body, headers } = webhook.render(event.attempts + 1, retriesRemaining);
    event.attempts++;
    event.body = body;
    event.headers = headers;
    inFlight++;
    void postWebhook(url, body, headers, options.timeoutMs).then((status) => {
      inFlight--;
      event.responseStatus = status;
      const verdict = RETRY_POLICIES[webhook.provider].verdict(status);
      if (verdict === 'ok') event.state = 'delivered';
      else if (verdict === 'drop') event.state = 'dropped';
      else if (gen !== generation || event.attempts > delays.length) event.state = 'failed';
      else later(delays[event.attempts - 1] ?? 0, () => attempt(webhook, event, url, gen));
      recorder.touch();
    });
  };

  const start = (webhook: OutgoingWebhook, duplicate: boolean): void => {
    const url = options.urlFor(webhook.provider);
    const event: SimEvent = {
      provider: webhook.provider,
      id: webhook.id,
      type: webhook.type,
      kind: webhook.kind,
      messageId: webhook.messageId,
      recipient: webhook.recipient,
      payload: webhook.payload,
      duplicate,
      url,
      body: '',
      headers: {},
      attempts: 0,
      state: url ? 'pending' : 'unsent',
      responseStatus: undefined,
    };
    if (!url) {
      // Not rendered: signing (RSA for SNS) would cost for nothing; `payload` has the content.
      recorder.addEvent(event);
      return;
    }
    recorder.addEvent(event);
    attempt(webhook, event, url, generation);
  };

  return {
    enqueue(webhook, delayMs) {
      later(delayMs, () => start(webhook, false));
      if (options.duplicates > 0 && prng.next() < options.duplicates) {
        later(delayMs + 1 + prng.int(5), () => start(webhook, true));
      }
    },
    pending: () => timers.size + inFlight,
    cancel() {
      generation++;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
