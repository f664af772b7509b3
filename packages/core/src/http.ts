import type { RelayErrorKind } from './errors.ts';

/**
 * The kind an HTTP status means at a provider's API, before any provider-specific refinement:
 * 4xx is the caller's fault and final (except 408/429; 404/405 mean the configuration names an
 * endpoint that does not exist), 5xx is the provider's and worth another try (503, an outage:
 * `provider-unavailable`, so the relay fails over at once).
 */
export function classifyHttpStatus(status: number): RelayErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limited';
  if (status === 408) return 'transient';
  if (status === 503) return 'provider-unavailable';
  if (status >= 500) return 'transient';
  // No such endpoint (or resource): the base URL or a name in the configuration is wrong.
  if (status === 404 || status === 405) return 'config';
  if (status === 422 || status === 400 || status === 413) return 'message-rejected';
  if (status >= 400) return 'message-rejected';
  return 'transient';
}

/**
 * Parses a Retry-After header (delta-seconds or HTTP-date) into milliseconds from `now`.
 * Returns undefined for a missing or unreadable value; never a negative number.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Reads the common rate-limit reset headers (seconds until reset) when Retry-After is absent. */
export function parseRateLimitReset(
  headers: { get(name: string): string | null },
  now = Date.now(),
): number | undefined {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== undefined) return retryAfter;
  const reset = headers.get('ratelimit-reset') ?? headers.get('x-ratelimit-reset');
  if (reset === null) return undefined;
  const n = Number(reset);
  if (!Number.isFinite(n) || n < 0) return undefined;
  // Values past 1e9 are epoch seconds, smaller ones are seconds from now.
  return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.round(n * 1000);
}
