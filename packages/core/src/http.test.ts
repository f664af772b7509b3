import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, parseRateLimitReset, parseRetryAfter } from './http.ts';

describe('classifyHttpStatus', () => {
  it('never confuses a 4xx with a 5xx', () => {
    for (let s = 400; s < 500; s += 1) {
      const kind = classifyHttpStatus(s);
      if (s === 408 || s === 429) continue;
      // 404/405: no such endpoint, so the configuration (base URL, domain) is wrong.
      expect(s === 404 || s === 405 ? ['config'] : ['auth', 'message-rejected']).toContain(kind);
    }
    for (let s = 500; s < 600; s += 1)
      expect(['transient', 'provider-unavailable']).toContain(classifyHttpStatus(s));
    expect(classifyHttpStatus(429)).toBe('rate-limited');
    expect(classifyHttpStatus(401)).toBe('auth');
    expect(classifyHttpStatus(503)).toBe('provider-unavailable');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores missing or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
  it('falls back to rate-limit reset headers', () => {
    expect(parseRateLimitReset(new Headers({ 'ratelimit-reset': '2' }), now)).toBe(2000);
    expect(
      parseRateLimitReset(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 5) }), now),
    ).toBe(5000);
    expect(parseRateLimitReset(new Headers({ 'retry-after': '1' }), now)).toBe(1000);
  });
});
