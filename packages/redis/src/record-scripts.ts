// The Lua scripts of engine-level records (idempotency keys). All keys of one namespace share the
// hash tag `{<namespace>}`, so one script can keep the record and its bookkeeping in step, on a
// single Redis or a Cluster (one slot per namespace):
//   <base><sha>            string: the record as JSON, with a Redis TTL (PX)
//   <base>#expiry          sorted set: sha -> expiry time (ms, Redis's clock), oldest first
//   <base>#meta            hash: sha -> "<bytes> <owner>", and #bytes = the JSON bytes of all records
//   <base>#owner:<owner>   sorted set: sha -> write time, the owner's records oldest first; it
//                          lives as long as the longest-lived record written to it
// where <base> = `<prefix>rec:{<namespace>}:`. Expired records are dropped from the oldest end of
// #expiry, at most 64 per call: each record is dropped once, so expiry costs O(1) amortised.
//
// Every key a script touches is declared in KEYS, as Redis Cluster asks (while a slot migrates,
// Redis then refuses the whole script with TRYAGAIN instead of stopping it halfway). A script finds
// some records only as it runs (expired ones, an owner's oldest), so:
//   - times are Redis's own (TIME), the clock its TTLs follow: a record whose expiry has passed is
//     gone already, and dropping it touches its bookkeeping only, not its key;
//   - an owner's set is changed only when declared (the writer's own, or the one the caller says
//     the record has). An entry left behind (the record expired, was deleted or changed hands) is
//     stale: it is taken out when that owner's set is next full (its record is not the owner's in
//     #meta), and the set expires by itself;
//   - a record an owner's quota drops (its oldest, not expired) is deleted only when declared:
//     else PUT_RECORD writes nothing of the record and answers {-3, sha...}, and the caller sends it
//     again with those records' keys declared (see redis-records.ts).

/** Shared by the scripts: ARGV[1] = <base>, KEYS[2] = #expiry, KEYS[3] = #meta; forget(sha) drops a record's bookkeeping. */
const COMMON = `
local base = ARGV[1]
local expiry, meta = KEYS[2], KEYS[3]
local declared = {}
for _, key in ipairs(KEYS) do declared[key] = true end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function forget(sha)
  local info = redis.call('HGET', meta, sha)
  if info then
    local space = string.find(info, ' ', 1, true)
    local left = redis.call('HINCRBY', meta, '#bytes', -tonumber(string.sub(info, 1, space - 1)))
    if left <= 0 then redis.call('HDEL', meta, '#bytes') end
    redis.call('HDEL', meta, sha)
    local set = base .. '#owner:' .. string.sub(info, space + 1)
    if space < #info and declared[set] then redis.call('ZREM', set, sha) end
  end
  redis.call('ZREM', expiry, sha)
end
-- Records whose expiry has passed (Redis no longer has their keys): their bookkeeping goes.
local function prune()
  for _, sha in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', '(' .. now, 'LIMIT', 0, 64)) do forget(sha) end
end
`;

/**
 * Writes a record: KEYS = record, #expiry, #meta, #owner:<owner> (the writer's when limited, else
 * the one the record is known to have, or any), then the keys of records the owner's quota drops
 * (as a {-3} reply asked); ARGV = base, sha, JSON, ttlMs, 1 for only-if-absent, 1 when limited,
 * owner, maxPerOwner, maxRecords, maxBytes. Returns 1 written, 0 taken (only-if-absent), -1 over
 * maxRecords, -2 over maxBytes, {-3, sha...} when the owner's quota drops records not declared
 * (nothing of the record written: send it again with their keys). A new record of an owner at
 * maxPerOwner first drops that owner's oldest one; an unlimited write (a renewal) keeps the owner
 * the record had.
 */
export const PUT_RECORD = `${COMMON}
local sha, json, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4])
prune()
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and ARGV[5] == '1' then return 0 end
local bytes = string.len(json)
local info = redis.call('HGET', meta, sha)
local oldBytes, owner = 0, ''
if info then
  local space = string.find(info, ' ', 1, true)
  oldBytes = tonumber(string.sub(info, 1, space - 1))
  owner = string.sub(info, space + 1)
end
if ARGV[6] == '1' then
  owner = ARGV[7]
  local total = tonumber(redis.call('HGET', meta, '#bytes') or '0')
  if total - oldBytes + bytes > tonumber(ARGV[10]) then return -2 end
  if not exists then
    local maxPerOwner = math.max(1, tonumber(ARGV[8]))
    local count = redis.call('ZCARD', KEYS[4])
    while count >= maxPerOwner do
      local missing = {}
      for _, oldest in ipairs(redis.call('ZRANGE', KEYS[4], 0, count - maxPerOwner)) do
        local held = redis.call('HGET', meta, oldest)
        if not held or string.sub(held, string.find(held, ' ', 1, true) + 1) ~= owner then
          -- Stale: its record is gone or another owner's.
          redis.call('ZREM', KEYS[4], oldest)
        elseif declared[base .. oldest] then
          forget(oldest)
          redis.call('DEL', base .. oldest)
        else
          missing[#missing + 1] = oldest
        end
      end
      if #missing > 0 then return {-3, unpack(missing)} end
      count = redis.call('ZCARD', KEYS[4])
    end
    if redis.call('ZCARD', expiry) >= tonumber(ARGV[9]) then return -1 end
  end
end
forget(sha)
redis.call('SET', KEYS[1], json, 'PX', ttl)
redis.call('ZADD', expiry, now + ttl, sha)
redis.call('HSET', meta, sha, bytes .. ' ' .. owner)
redis.call('HINCRBY', meta, '#bytes', bytes)
local set = base .. '#owner:' .. owner
if owner ~= '' and declared[set] then
  redis.call('ZADD', set, now, sha)
  local left = redis.call('PTTL', set)
  if left >= 0 and left < ttl or left == -1 then redis.call('PEXPIRE', set, ttl) end
end
return 1`;

/**
 * Deletes a record: KEYS = record, #expiry, #meta, #owner:<owner> (the one the record is known to
 * have, or any); ARGV = base, sha. Returns 1 when it existed.
 */
export const DELETE_RECORD = `${COMMON}
prune()
forget(ARGV[2])
return redis.call('DEL', KEYS[1])`;
