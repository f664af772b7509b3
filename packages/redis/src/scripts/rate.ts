/**
 * GCRA over several buckets, all or nothing (the same arithmetic as core's memoryRateStore).
 * KEYS: bucket keys. ARGV: now, maxWaitMs, then cost, ratePerSec, burst per key. Each key holds
 * its theoretical arrival time (the moment the bucket is out of debt) and expires then.
 * Returns {granted 0|1, waitMs}.
 */
export const takeScript = `
local now, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait, after = 0, {}
for i = 1, #KEYS do
  local cost, rate, burst = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  local interval = 1000 / rate
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  after[i] = tat + cost * interval
  if burst < 1 then burst = 1 end
  local w = after[i] - burst * interval - now
  if w > wait then wait = w end
end
if wait > maxWait then return {0, tostring(math.ceil(wait))} end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%.3f', after[i]), 'PX', math.max(1, math.ceil(after[i] - now)))
end
return {1, tostring(math.ceil(wait))}
`;
