// The Lua scripts of engine-level records (idempotency keys). All keys of one namespace share the
// hash tag `{<namespace>}`, so one script can keep the record and its bookkeeping in step, on a
// single Redis or a Cluster (one slot per namespace):
//   <base><sha>            string: the record as JSON, with a Redis TTL (PX)
//   <base>#expiry          sorted set: sha -> expiry time (ms), oldest first
//   <base>#meta            hash: sha -> "<bytes> <owner>", and #bytes = the JSON bytes of all records
//   <base>#owner:<owner>   sorted set: sha -> write time, the owner's records oldest first
// where <base> = `<prefix>rec:{<namespace>}:`. Expired records are dropped from the oldest end of
// #expiry, at most 64 per call: each record is dropped once, so expiry costs O(1) amortised.

/** Shared by the scripts: ARGV[1] = <base>; drop(sha) forgets a record and its bookkeeping. */
const COMMON = `
local base = ARGV[1]
local expiry, meta = base .. '#expiry', base .. '#meta'
local function drop(sha)
  local info = redis.call('HGET', meta, sha)
  if info then
    local space = string.find(info, ' ', 1, true)
    local left = redis.call('HINCRBY', meta, '#bytes', -tonumber(string.sub(info, 1, space - 1)))
    if left <= 0 then redis.call('HDEL', meta, '#bytes') end
    redis.call('HDEL', meta, sha)
    local owner = string.sub(info, space + 1)
    if owner ~= '' then redis.call('ZREM', base .. '#owner:' .. owner, sha) end
  end
  redis.call('ZREM', expiry, sha)
  return redis.call('DEL', base .. sha)
end
local function prune(now)
  for _, sha in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 64)) do drop(sha) end
end
`;

/**
 * Writes a record: KEYS = record, #expiry, #meta, #owner:<owner> (any owner key when unlimited);
 * ARGV = base, sha, JSON, ttlMs, now, 1 for only-if-absent, 1 when limited, owner, maxPerOwner,
 * maxRecords, maxBytes. Returns 1 written, 0 taken (only-if-absent), -1 over maxRecords, -2 over
 * maxBytes. A new record of an owner at maxPerOwner first drops that owner's oldest one; an
 * unlimited write (a renewal) keeps the owner the record had.
 */
export const PUT_RECORD = `${COMMON}
local sha, json, ttl, now = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
prune(now)
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and ARGV[6] == '1' then return 0 end
local bytes = string.len(json)
local info = redis.call('HGET', meta, sha)
local oldBytes, owner = 0, ''
if info then
  local space = string.find(info, ' ', 1, true)
  oldBytes = tonumber(string.sub(info, 1, space - 1))
  owner = string.sub(info, space + 1)
end
if ARGV[7] == '1' then
  owner = ARGV[8]
  local total = tonumber(redis.call('HGET', meta, '#bytes') or '0')
  if total - oldBytes + bytes > tonumber(ARGV[11]) then return -2 end
  if not exists then
    local maxPerOwner = math.max(1, tonumber(ARGV[9]))
    while redis.call('ZCARD', KEYS[4]) >= maxPerOwner do
      local oldest = redis.call('ZRANGE', KEYS[4], 0, 0)[1]
      drop(oldest)
      redis.call('ZREM', KEYS[4], oldest)
    end
    if redis.call('ZCARD', expiry) >= tonumber(ARGV[10]) then return -1 end
  end
end
drop(sha)
redis.call('SET', KEYS[1], json, 'PX', ttl)
redis.call('ZADD', expiry, now + ttl, sha)
redis.call('HSET', meta, sha, bytes .. ' ' .. owner)
redis.call('HINCRBY', meta, '#bytes', bytes)
if owner ~= '' then redis.call('ZADD', base .. '#owner:' .. owner, now, sha) end
return 1`;

/** Deletes a record: KEYS = record, #expiry, #meta; ARGV = base, sha, now. Returns 1 when it existed. */
export const DELETE_RECORD = `${COMMON}
prune(tonumber(ARGV[3]))
return drop(ARGV[2])`;
