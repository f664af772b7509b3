import { redisStores } from '@relaykit/redis';
import { bench } from 'vitest';
import { deleteKeys, redisUrl, uniquePrefix } from '../conformance/redis-helper.ts';

// Suppression batch check against a real Redis: 200,000 entries (a few domain-wide), 200,000
// addresses checked in batches as the send path and a campaign's pre-check would. Target ≥ 100,000/s.
const entries = 200_000;
const checked = 200_000;

async function run() {
  const prefix = uniquePrefix('bench-sup');
  const stores = redisStores(redisUrl, { prefix });
  try {
    await stores.ready();
    const now = new Date();
    const seed = [];
    for (let i = 0; i < entries; i += 1)
      seed.push({
        address: `u${i}@d${i % 500}.test`,
        reason: 'hard-bounce' as const,
        firstSeen: now,
        lastSeen: now,
      });
    for (let i = 0; i < 20; i += 1)
      seed.push({
        address: `@blocked${i}.test`,
        reason: 'null-mx' as const,
        firstSeen: now,
        lastSeen: now,
      });
    let t = performance.now();
    for (let i = 0; i < seed.length; i += 10_000)
      await stores.suppression.add(seed.slice(i, i + 10_000));
    console.log(
      `redis suppression add: ${Math.round(seed.length / ((performance.now() - t) / 1000)).toLocaleString('en')} entries/s`,
    );

    // Half the addresses are suppressed, a few by domain, the rest are misses (the common case).
    const addresses = Array.from({ length: checked }, (_, i) =>
      i % 100 === 0
        ? `x${i}@blocked${i % 20}.test`
        : i % 2
          ? `u${i}@d${i % 500}.test`
          : `new${i}@d${i % 500}.test`,
    );
    for (const batch of [1_000, 10_000]) {
      await stores.suppression.check(addresses.slice(0, batch));
      await stores.redis.config('RESETSTAT');
      let hits = 0;
      t = performance.now();
      for (let i = 0; i < addresses.length; i += batch)
        hits += (await stores.suppression.check(addresses.slice(i, i + batch))).size;
      const rate = checked / ((performance.now() - t) / 1000);
      // Redis's own time in the script: the capacity left when the client side is not the bottleneck.
      const stats = /cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(
        await stores.redis.info('commandstats'),
      );
      const serverRate = stats ? checked / (Number(stats[1]) / 1e6) : Number.NaN;
      console.log(
        `redis suppression check, batches of ${batch.toLocaleString('en')}: ${Math.round(rate).toLocaleString('en')} addresses/s end to end ` +
          `(${rate >= 100_000 ? '≥' : 'BELOW'} 100,000/s; ${hits.toLocaleString('en')} suppressed); Redis script time alone: ${Math.round(serverRate).toLocaleString('en')} addresses/s`,
      );
    }
    // Concurrent callers (several sends in flight) share the connection's pipeline.
    t = performance.now();
    const parallel = 8;
    const per = checked / parallel;
    await Promise.all(
      Array.from({ length: parallel }, async (_, p) => {
        for (let i = p * per; i < (p + 1) * per; i += 1_000)
          await stores.suppression.check(addresses.slice(i, i + 1_000));
      }),
    );
    console.log(
      `redis suppression check, ${parallel} concurrent callers × batches of 1,000: ${Math.round(checked / ((performance.now() - t) / 1000)).toLocaleString('en')} addresses/s`,
    );
  } finally {
    await deleteKeys(stores.redis, prefix);
    await stores.close();
  }
}

bench('redis suppression batch check', run, {
  iterations: 1,
  warmupIterations: 0,
  warmupTime: 0,
  time: 0,
});
