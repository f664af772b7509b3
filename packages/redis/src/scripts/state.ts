/**
 * Compare-and-set for one recipient's state. KEYS: the message's hash. ARGV: recipient, the value
 * read before folding ('' when there was none), the new value, ttlMs. Returns 1 when written, 0
 * when another process wrote first (the caller reads again and refolds).
 */
export const casScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;
