import { describe, expect, it } from 'vitest';
import { cohortSize, drawCohort } from './cohort.ts';

const list = (counts: Record<string, number>) =>
  Object.entries(counts).flatMap(([domain, n]) =>
    Array.from({ length: n }, (_, i) => `user${i}@${domain}`),
  );

const byDomain = (addresses: readonly string[], picked: readonly number[]) => {
  const out: Record<string, number> = {};
  for (const i of picked) {
    const domain = (addresses[i] as string).split('@')[1] as string;
    out[domain] = (out[domain] ?? 0) + 1;
  }
  return out;
};

describe('drawCohort', () => {
  it('draws each domain in proportion to its share of the list, not the first rows', () => {
    // Sorted by domain, as exports often are: the first 100 rows are all gmail.com.
    const addresses = list({
      'gmail.com': 500,
      'yahoo.com': 300,
      'outlook.com': 150,
      'corp.test': 50,
    });
    const picked = drawCohort(addresses, 100, 'spring-sale');
    expect(picked).toHaveLength(100);
    expect(byDomain(addresses, picked)).toEqual({
      'gmail.com': 50,
      'yahoo.com': 30,
      'outlook.com': 15,
      'corp.test': 5,
    });
    expect(new Set(picked).size).toBe(100);
    // Not the first rows of each domain either.
    expect(picked.filter((i) => i < 50).length).toBeLessThan(20);
  });

  it('gives the remainder to the largest fractions, so small domains are not all dropped', () => {
    // Exact shares 3.25, 1.25 and 0.5: the fifth seat goes to c.test, the largest remainder.
    const addresses = list({ 'a.test': 13, 'b.test': 5, 'c.test': 2 });
    expect(byDomain(addresses, drawCohort(addresses, 5, 'x'))).toEqual({
      'a.test': 3,
      'b.test': 1,
      'c.test': 1,
    });
  });

  it('is deterministic for a campaign id and differs between ids', () => {
    const addresses = list({ 'gmail.com': 400, 'yahoo.com': 100 });
    const a = drawCohort(addresses, 25, 'campaign-1');
    expect(drawCohort([...addresses], 25, 'campaign-1')).toEqual(a);
    expect(drawCohort(addresses, 25, 'campaign-2')).not.toEqual(a);
  });

  it('takes the whole list when asked for more, and nothing for 0', () => {
    const addresses = list({ 'a.test': 3 });
    expect(drawCohort(addresses, 10, 'x')).toEqual([0, 1, 2]);
    expect(drawCohort(addresses, 0, 'x')).toEqual([]);
  });
});

describe('cohortSize', () => {
  it('is 2% by default, at least 20, never more than the list', () => {
    expect(cohortSize(10_000, {})).toBe(200);
    expect(cohortSize(100, {})).toBe(20);
    expect(cohortSize(5, {})).toBe(5);
    expect(cohortSize(10_000, { fraction: 0.1 })).toBe(1000);
    expect(cohortSize(10_000, { size: 7 })).toBe(7);
  });
});
