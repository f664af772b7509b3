import type { ProviderName } from '../types.ts';

/** How a provider retries a webhook the receiver did not take, in the provider's real (uncompressed) seconds. */
export interface RetryPolicy {
  readonly delaysSec: readonly number[];
  /** What the provider does with an answer: `ok`, `retry`, or `drop` (never retried). undefined = network error. */
  verdict(status: number | undefined): 'ok' | 'retry' | 'drop';
}

const is2xx = (s: number | undefined): boolean => s !== undefined && s >= 200 && s < 300;

export const RETRY_POLICIES: Readonly<Record<ProviderName, RetryPolicy>> = {
  // SNS default HTTP/S delivery policy: 3 retries, 20 s apart; client errors other than 429 are final.
  ses: {
    delaysSec: [20, 20, 20],
    verdict: (s) => (is2xx(s) ? 'ok' : s === undefined || s >= 500 || s === 429 ? 'retry' : 'drop'),
  },
  // Postmark: 5xx, 408, 429 and timeouts retried at +1, +5, +10, +10, +10, +15 min; other 4xx dropped.
  postmark: {
    delaysSec: [60, 300, 600, 600, 600, 900],
    verdict: (s) =>
      is2xx(s) ? 'ok' : s === undefined || s >= 500 || s === 408 || s === 429 ? 'retry' : 'drop',
  },
  // Mailgun: 406 means rejected, no retry; anything else non-200 is retried for 8 hours.
  mailgun: {
    delaysSec: [300, 600, 900, 3600, 7200, 14400],
    verdict: (s) => (is2xx(s) ? 'ok' : s === 406 ? 'drop' : 'retry'),
  },
  // Svix (Resend): any non-2xx retried at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
  resend: {
    delaysSec: [5, 300, 1800, 7200, 18000, 36000, 36000],
    verdict: (s) => (is2xx(s) ? 'ok' : 'retry'),
  },
};
