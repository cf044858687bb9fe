import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA1 for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by SHA and falls back to EVAL when the server does not have it cached
 * (after a restart or failover). Every script here touches exactly one key (Redis Cluster safe);
 * `ADMIT` (redis-admission-scripts.ts) is the one that touches several.
 */
export async function runScript(
  client: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}

/**
 * Lua pieces shared by `TAKE_TOKENS` and `ADMIT` (redis-admission-scripts.ts): the server clock
 * (TIME, so replicas with skewed clocks share one notion of elapsed time), the stored bucket
 * state, and the bucket arithmetic — the line-by-line twin of `takeFromBucket` in token-bucket.ts.
 * `bucket_step` returns allowed (0/1), tokens, ts, retryAfterMs, resetMs (-1 = never).
 */
export const BUCKET_LUA = `
local function server_now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local function bucket_read(key)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  return tonumber(state[1]), tonumber(state[2])
end
local function bucket_step(tokens, ts, now, capacity, refill, cost)
  if tokens == nil or ts == nil then
    tokens = capacity
    ts = now
  elseif now > ts then
    tokens = math.min(capacity, tokens + (now - ts) * refill / 1000)
    ts = now
  end
  tokens = math.min(tokens, capacity)
  local allowed = 0
  if tokens >= cost then
    tokens = tokens - cost
    allowed = 1
  end
  local retry = 0
  if allowed == 0 then
    if refill > 0 and cost <= capacity then
      retry = math.ceil((cost - tokens) * 1000 / refill)
      if tokens + retry * refill / 1000 < cost then retry = retry + 1 end
    else
      retry = -1
    end
  end
  local reset = 0
  if tokens < capacity then
    if refill > 0 then reset = math.ceil((capacity - tokens) * 1000 / refill) else reset = -1 end
  end
  return allowed, tokens, ts, retry, reset
end
local function bucket_write(key, tokens, ts, reset)
  if reset == 0 then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'tokens', tokens, 'ts', ts)
    if reset > 0 then redis.call('PEXPIRE', key, reset) else redis.call('PERSIST', key) end
  end
end
`;

/**
 * Token bucket (see {@link BUCKET_LUA}). KEYS[1] = bucket hash; ARGV = capacity, refill per
 * second, cost. Returns {allowed, remaining, retryAfterMs, resetMs} with -1 for "never".
 */
export const TAKE_TOKENS = lua(`${BUCKET_LUA}
local tokens, ts = bucket_read(KEYS[1])
local allowed, left, stamp, retry, reset =
  bucket_step(tokens, ts, server_now(), tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
bucket_write(KEYS[1], left, stamp, reset)
return { allowed, math.floor(left), retry, reset }
`);

/** INCRBY that sets a TTL only when it creates the key. KEYS[1]; ARGV = increment, ttl ms. */
export const INCR_WITH_TTL = lua(`
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`);

/** Compare-and-delete: only the owner's token releases the lock. KEYS[1]; ARGV = token. */
export const RELEASE_LOCK = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Compare-and-expire: only the owner extends the lock. KEYS[1]; ARGV = token, ttl ms. */
export const EXTEND_LOCK = lua(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/**
 * Trims the head of a stream that every consumer group has acknowledged. KEYS[1]: the stream.
 * For each group the oldest entry it still needs is its oldest pending entry (XPENDING summary)
 * or, with nothing pending, the one after its last-delivered id; XTRIM MINID keeps everything
 * from the oldest of those. Returns how many entries went (0 for a missing stream or no groups).
 */
export const TRIM_ACKED = lua(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end
local best_ms, best_seq
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local id
  local bump = 0
  if tonumber(info['pending']) > 0 then
    id = redis.call('XPENDING', KEYS[1], info['name'])[2]
  else
    id = info['last-delivered-id']
    bump = 1
  end
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  ms = tonumber(ms)
  seq = tonumber(seq) + bump
  if best_ms == nil or ms < best_ms or (ms == best_ms and seq < best_seq) then
    best_ms, best_seq = ms, seq
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f-%.0f', best_ms, best_seq))
`);
