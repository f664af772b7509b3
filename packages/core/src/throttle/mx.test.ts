import { describe, expect, it } from 'vitest';
import { type MxResolver } from '../index.ts';
import { createMxRollup, providerOfMx } from '../adapter.ts';

describe('MX rollup', () => {
  it('rolls a domain up only when every MX host belongs to one provider', () => {
    expect(providerOfMx(['aspmx.l.google.com.', 'alt1.aspmx.l.google.com'])).toBe('google');
    expect(providerOfMx(['smtp.google.com'])).toBe('google');
    expect(providerOfMx(['contoso-com.mail.protection.outlook.com'])).toBe('microsoft');
    expect(providerOfMx(['hotmail-com.olc.protection.outlook.com'])).toBe('microsoft');
    expect(providerOfMx(['contoso-com.l-v1.mx.microsoft'])).toBe('microsoft');
    expect(providerOfMx(['mta5.am0.yahoodns.net'])).toBe('yahoo');
    expect(providerOfMx(['mx01.mail.icloud.com'])).toBe('apple');
    expect(providerOfMx(['aspmx.l.google.com', 'backup.example.net'])).toBeUndefined();
    expect(providerOfMx(['evilgoogle.com'])).toBeUndefined();
    expect(providerOfMx([])).toBeUndefined();
  });

  it('maps well-known consumer domains without a lookup', async () => {
    const calls: string[] = [];
    const rollup = createMxRollup({ resolver: async (d) => (calls.push(d), []) });
    for (const [domain, provider] of [
      ['gmail.com', 'google'],
      ['hotmail.com', 'microsoft'],
      ['aol.com', 'yahoo'],
      ['me.com', 'apple'],
    ]) {
      expect(await rollup.resolve(domain as string)).toBe(provider);
    }
    expect(rollup.peek('constructor')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('looks a domain up once for concurrent callers, and caches the answer for its TTL', async () => {
    let t = 0;
    const calls: string[] = [];
    const resolver: MxResolver = async (d) => (
      calls.push(d),
      [{ exchange: 'aspmx.l.google.com', priority: 1 }]
    );
    const rollup = createMxRollup({ resolver, ttlMs: 1000, now: () => t });
    expect(rollup.peek('acme.com')).toBeUndefined();
    expect(
      await Promise.all([
        rollup.resolve('acme.com'),
        rollup.resolve('acme.com'),
        rollup.resolve('ACME.com'.toLowerCase()),
      ]),
    ).toEqual(['google', 'google', 'google']);
    expect(calls).toEqual(['acme.com']);
    expect(rollup.peek('acme.com')).toBe('google');
    t = 2000;
    // Stale: still answered from the cache while one refresh runs.
    expect(rollup.peek('acme.com')).toBe('google');
    await Promise.resolve();
    expect(calls).toEqual(['acme.com', 'acme.com']);
  });

  it('falls back to the domain itself on a DNS failure, for the failure TTL', async () => {
    let fail = true;
    let t = 0;
    const rollup = createMxRollup({
      resolver: async () =>
        fail
          ? Promise.reject(new Error('SERVFAIL'))
          : [{ exchange: 'mx01.mail.icloud.com', priority: 1 }],
      failureTtlMs: 100,
      now: () => t,
    });
    expect(await rollup.resolve('corp.example.net')).toBeNull();
    fail = false;
    expect(await rollup.resolve('corp.example.net')).toBeNull();
    t = 200;
    rollup.peek('corp.example.net');
    await new Promise((r) => setTimeout(r, 0));
    expect(rollup.peek('corp.example.net')).toBe('apple');
  });

  it('stays bounded', async () => {
    const rollup = createMxRollup({ resolver: async () => [], maxEntries: 10 });
    for (let i = 0; i < 50; i += 1) await rollup.resolve(`d${i}.com`);
    // At least the newest 10, an eighth more at most (memory/bounded.ts).
    expect(rollup.size).toBeGreaterThanOrEqual(10);
    expect(rollup.size).toBeLessThanOrEqual(10 + Math.ceil(10 / 8));
    expect(rollup.peek('d49.com')).not.toBeUndefined();
  });
});
