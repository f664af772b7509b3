/**
 * KEYS: the address's sorted set (member event id, score time). ARGV: at, windowMs, eventId,
 * max kept, ttlMs. Adds the strike (NX: a repeated event id keeps its first time) and returns the
 * most strikes in any window of windowMs that holds `at`, so late events count the same.
 */
export const strikeScript = `
local at, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'NX', at, ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
local keep = tonumber(ARGV[4])
if n > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - keep - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local times = redis.call('ZRANGEBYSCORE', KEYS[1], at - window, at + window, 'WITHSCORES')
local most, j = 0, 2
for i = 2, #times, 2 do
  local from = tonumber(times[i])
  if from > at then break end
  if j < i then j = i end
  while j + 2 <= #times and tonumber(times[j + 2]) <= from + window do j = j + 2 end
  local count = (j - i) / 2 + 1
  if from >= at - window and count > most then most = count end
end
return most
`;
