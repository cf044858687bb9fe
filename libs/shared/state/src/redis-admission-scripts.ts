import { BUCKET_LUA, lua } from './redis-scripts.js';

/**
 * One admission (see `StateStore.admit`), all or nothing. Reads every key first — so a WRONGTYPE
 * or non-integer counter aborts before any write — then writes only if every bucket and quota
 * has room. KEYS = bucket hashes, quota counters, then the stream when appending.
 * ARGV = #buckets, #quotas, append (0/1), maxLen (0 = no trim), capacity/refill/cost per bucket,
 * limit/windowTtlMs/cost per quota, then the entry's field/value pairs.
 * Returns {allowed, refusedKind (0 none, 1 bucket, 2 quota), refusedIndex (0-based), entry id
 * or '', then allowed/remaining/retryAfterMs/resetMs per bucket, then used/room/resetMs per
 * quota}, with -1 for "never" / "no TTL".
 */
export const ADMIT = lua(`${BUCKET_LUA}
local nb, nq = tonumber(ARGV[1]), tonumber(ARGV[2])
local append, maxlen = ARGV[3] == '1', tonumber(ARGV[4])
local a = 5
local now = server_now()
local refused_kind, refused_index = 0, 0
local buckets = {}
for i = 1, nb do
  local capacity, refill, cost = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local tokens, ts = bucket_read(KEYS[i])
  local allowed, left, stamp, retry, reset = bucket_step(tokens, ts, now, capacity, refill, cost)
  buckets[i] = { tokens, ts, capacity, refill, allowed, left, stamp, retry, reset }
  if allowed == 0 and refused_kind == 0 then refused_kind, refused_index = 1, i - 1 end
end
local quotas = {}
for j = 1, nq do
  local limit, ttl, cost = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  local raw = redis.call('GET', KEYS[nb + j])
  local used = 0
  if raw then
    if not string.match(raw, '^%-?%d+$') or math.abs(tonumber(raw)) > 9007199254740991 then
      return redis.error_reply('ERR value is not an integer or out of range')
    end
    used = tonumber(raw)
  end
  local room = 0
  if used + cost <= limit then room = 1 end
  quotas[j] = { raw, used, ttl, cost, room }
  if room == 0 and refused_kind == 0 then refused_kind, refused_index = 2, j - 1 end
end
local stream = KEYS[nb + nq + 1]
if append then
  local kind = redis.call('TYPE', stream)['ok']
  if kind ~= 'none' and kind ~= 'stream' then
    return redis.error_reply('WRONGTYPE Operation against a key holding the wrong kind of value')
  end
end
local admitted = refused_kind == 0
local id = ''
if admitted and append then
  local args = { stream }
  if maxlen > 0 then
    args[#args + 1] = 'MAXLEN'
    args[#args + 1] = '~'
    args[#args + 1] = maxlen
  end
  args[#args + 1] = '*'
  for i = a, #ARGV do args[#args + 1] = ARGV[i] end
  id = redis.call('XADD', unpack(args))
end
local out = { admitted and 1 or 0, refused_kind, refused_index, id }
for i = 1, nb do
  local b = buckets[i]
  local allowed, left, retry, reset = b[5], b[6], b[8], b[9]
  if admitted then
    bucket_write(KEYS[i], left, b[7], reset)
  elseif allowed == 1 then
    -- Refused elsewhere: report this bucket untouched (the same step taking nothing).
    local untouched = { bucket_step(b[1], b[2], now, b[3], b[4], 0) }
    allowed, left, retry, reset = untouched[1], untouched[2], untouched[4], untouched[5]
  end
  out[#out + 1] = allowed
  out[#out + 1] = math.floor(left)
  out[#out + 1] = retry
  out[#out + 1] = reset
end
for j = 1, nq do
  local key, q = KEYS[nb + j], quotas[j]
  local used = q[2]
  if admitted and q[4] > 0 then
    used = redis.call('INCRBY', key, q[4])
    if not q[1] then redis.call('PEXPIRE', key, q[3]) end
  end
  local reset = 0
  if admitted and q[4] > 0 or q[1] then reset = redis.call('PTTL', key) end
  out[#out + 1] = used
  out[#out + 1] = q[5]
  out[#out + 1] = reset
end
return out
`);

/**
 * Appends several entries in order, atomically. KEYS[1] = stream; ARGV = maxLen (0 = no trim),
 * then per entry its number of fields followed by its field/value pairs. Returns the ids.
 */
export const STREAM_APPEND_MANY = lua(`
local maxlen = tonumber(ARGV[1])
local ids = {}
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local args = { KEYS[1] }
  if maxlen > 0 then
    args[#args + 1] = 'MAXLEN'
    args[#args + 1] = '~'
    args[#args + 1] = maxlen
  end
  args[#args + 1] = '*'
  for j = i + 1, i + 2 * n do args[#args + 1] = ARGV[j] end
  ids[#ids + 1] = redis.call('XADD', unpack(args))
  i = i + 1 + 2 * n
end
return ids
`);
