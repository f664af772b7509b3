import { createHash } from 'node:crypto';

const rank = (seed: string, value: string) =>
  createHash('sha256').update(seed).update('\0').update(value).digest('hex');

/**
 * Draws a canary cohort of `size` from `addresses`, stratified by recipient domain: each domain
 * gets its share of the cohort in proportion to its share of the list (largest remainder), and
 * within a domain the addresses are picked in an order fixed by `seed` (the campaign id). The
 * same list and seed always give the same cohort, so a resumed campaign draws the one it had.
 * Returns positions in `addresses`, ascending.
 */
export function drawCohort(addresses: readonly string[], size: number, seed: string): number[] {
  const n = addresses.length;
  const want = Math.max(0, Math.min(n, Math.floor(size)));
  if (want === 0) return [];
  const byDomain = new Map<string, number[]>();
  addresses.forEach((address, i) => {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    let list = byDomain.get(domain);
    if (!list) byDomain.set(domain, (list = []));
    list.push(i);
  });
  const domains = [...byDomain.entries()].map(([domain, positions]) => {
    const exact = (positions.length * want) / n;
    return { domain, positions, quota: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = want - domains.reduce((sum, d) => sum + d.quota, 0);
  // Largest remainders first; ties broken by the seed, not by list order.
  const order = [...domains].sort(
    (a, b) => b.rest - a.rest || (rank(seed, a.domain) < rank(seed, b.domain) ? -1 : 1),
  );
  for (const d of order) {
    if (left === 0) break;
    d.quota += 1;
    left -= 1;
  }
  const picked: number[] = [];
  for (const d of domains) {
    if (d.quota === 0) continue;
    const ranked = d.positions
      .map((i) => ({ i, key: rank(seed, addresses[i] as string) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
    for (const { i } of ranked.slice(0, d.quota)) picked.push(i);
  }
  return picked.sort((a, b) => a - b);
}

/** The cohort's size for a list of `n`: `size` if given, else `fraction` of it, at least `min`. */
export function cohortSize(
  n: number,
  options: { size?: number | undefined; fraction?: number | undefined; min?: number | undefined },
): number {
  const raw = options.size ?? Math.ceil(n * (options.fraction ?? 0.02));
  return Math.min(n, Math.max(raw, options.size === undefined ? (options.min ?? 20) : 0));
}
