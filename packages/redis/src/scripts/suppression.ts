// Lua for the suppression list. An entry is one hash field (address or '@domain') in its scope's
// hash, valued `expiresMs|firstSeenMs|lastSeenMs|{"reason",...}` (expiresMs 0 = never), so a
// check can test expiry and a merge can compare times without decoding JSON.

const live = `
local function live(v, now)
  if not v then return false end
  -- '0|': never expires, the common case, without a pattern match.
  if string.byte(v, 2) == 124 and string.byte(v, 1) == 48 then return true end
  local e = tonumber(string.match(v, '^(%d+)|'))
  return e == 0 or e > now
end
`;

/**
 * KEYS: global hash, domain-entry counter, [stream hash]. ARGV: now, the addresses (lower case)
 * joined by '\n' (one argument, not thousands: encoding each costs the client more than the
 * lookups cost Redis). Returns one string, a line per suppressed address:
 * `index|how|value`, how = 0 address/every stream, 1 address/stream, 2 domain/every stream,
 * 3 domain/stream. Domain lookups are cached per call: a batch repeats few domains.
 */
export const checkScript = `${live}
local now = tonumber(ARGV[1])
local g, s = KEYS[1], KEYS[3]
local domains = tonumber(redis.call('GET', KEYS[2]) or '0') > 0
local cache = {}
local function lookup(a)
  local v = redis.call('HGET', g, a)
  if live(v, now) then return v, 0 end
  if s then
    v = redis.call('HGET', s, a)
    if live(v, now) then return v, 1 end
  end
  return false, 0
end
local out = {}
local list, pos, i = ARGV[2], 1, 0
local len = #list
while pos <= len + 1 do
  local stop = string.find(list, '\\n', pos, true) or (len + 1)
  local a = string.sub(list, pos, stop - 1)
  i = i + 1
  pos = stop + 1
  if a ~= '' then
    local hit, how = lookup(a)
    if not hit and domains then
      local d = string.match(a, '(@[^@]*)$')
      if d then
        local c = cache[d]
        if c == nil then
          local v, h = lookup(d)
          c = v and { v, h + 2 } or false
          cache[d] = c
        end
        if c then hit, how = c[1], c[2] end
      end
    end
    if hit then out[#out + 1] = i .. '|' .. how .. '|' .. hit end
  end
  if stop > len then break end
end
return table.concat(out, '\\n')
`;

/**
 * KEYS: lex index, expiry index, domain-entry counter, then one scope hash per entry.
 * ARGV: now, then per entry: scope, address, expires, firstSeen, lastSeen, json.
 * An existing live entry keeps the earlier firstSeen and the later lastSeen; the newer one's
 * reason and source win; either without expiry makes the merge permanent.
 */
export const addScript = `${live}
local now = tonumber(ARGV[1])
local idx, exp, domains = KEYS[1], KEYS[2], KEYS[3]
local n = (#ARGV - 1) / 6
for i = 1, n do
  local b = 1 + (i - 1) * 6
  local scope, a = ARGV[b + 1], ARGV[b + 2]
  local e, f, l, json = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5]), ARGV[b + 6]
  local h = KEYS[3 + i]
  local old = redis.call('HGET', h, a)
  if live(old, now) then
    local oe, of, ol, ojson = string.match(old, '^(%d+)|(%d+)|(%d+)|(.*)$')
    oe, of, ol = tonumber(oe), tonumber(of), tonumber(ol)
    if l < ol then json = ojson end
    if of < f then f = of end
    if ol > l then l = ol end
    if oe == 0 or e == 0 then e = 0 elseif oe > e then e = oe end
  elseif not old and string.sub(a, 1, 1) == '@' then
    redis.call('INCR', domains)
  end
  redis.call('HSET', h, a, e .. '|' .. f .. '|' .. l .. '|' .. json)
  local member = scope .. '\\0' .. a
  redis.call('ZADD', idx, 0, member)
  if e > 0 then redis.call('ZADD', exp, e, member) else redis.call('ZREM', exp, member) end
end
return n
`;

/**
 * KEYS: scope hash, lex index, expiry index, domain-entry counter, removal audit stream.
 * ARGV: scope, address, removedAt, by, reason, audit max length. Returns 1 when there was one.
 */
export const removeScript = `
local scope, a = ARGV[1], ARGV[2]
local old = redis.call('HGET', KEYS[1], a)
if not old then return 0 end
redis.call('HDEL', KEYS[1], a)
local member = scope .. '\\0' .. a
redis.call('ZREM', KEYS[2], member)
redis.call('ZREM', KEYS[3], member)
if string.sub(a, 1, 1) == '@' then redis.call('DECR', KEYS[4]) end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], '*', 'address', a, 'stream', scope, 'at', ARGV[3], 'by', ARGV[4], 'reason', ARGV[5], 'entry', old)
return 1
`;

/**
 * Deletes up to ARGV[3] entries that expired before ARGV[1]. KEYS: lex index, expiry index,
 * domain-entry counter. ARGV: now, key prefix, limit. Returns how many went.
 */
export const sweepScript = `
local now, prefix = tonumber(ARGV[1]), ARGV[2]
local idx, exp, domains = KEYS[1], KEYS[2], KEYS[3]
local expired = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(expired) do
  local sep = string.find(member, '\\0', 1, true)
  local scope, a = string.sub(member, 1, sep - 1), string.sub(member, sep + 1)
  local h = scope == '' and (prefix .. 'sup:g') or (prefix .. 'sup:s:' .. scope)
  if redis.call('HDEL', h, a) == 1 and string.sub(a, 1, 1) == '@' then redis.call('DECR', domains) end
  redis.call('ZREM', idx, member)
  redis.call('ZREM', exp, member)
end
return #expired
`;
