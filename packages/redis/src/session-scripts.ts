// The Lua scripts of the Redis session store. Each runs atomically on the server, so two nodes
// writing the same session never interleave inside one operation, and each costs one round trip.
//
// Keys of a session `sid` (all carry the hash tag `{sid}`, so they share one Cluster slot):
//   KEYS[1] = <prefix>{sid}:data   hash: d = session data (JSON), n = insertion counter,
//                                         c:<name> = 1 for every collection ever written,
//                                         b = the session's size (see SIZES)
//   <prefix>{sid}:c:<name>         hash: key -> "<seq>:<JSON>", seq giving insertion order
// Collection keys are derived inside the scripts from ARGV[1] (`<prefix>{sid}:c:`); they share the
// data key's slot, so Redis Cluster accepts them.
//
// Cluster resharding moves a slot's keys one group at a time (MIGRATE), so for a while a session's
// data key may be on the new node and a collection key still on the old one. Redis checks that the
// keys a script declares are all on the node that runs it (else TRYAGAIN or ASK), and checks each
// command inside a script the same way, but a single-key command on a node importing the slot
// (ASKING) is served there even when the key is still on the other node: a write would make a
// second copy of the collection there (lost, or blocking the migration with BUSYKEY), a PEXPIRE
// would miss the real key. So each script, before its first write, either declares every key it
// touches (GET, LIST, SET, DELETE, COMPARE_AND_SET: data and collection key; APPLY: the data key
// and the collections of its writes), or reaches the keys it finds in the data key (its collections)
// with one multi-key command (LOAD: EXISTS; DESTROY: DEL), which Redis refuses unless they are all
// on this node. A refused script stops before it changes anything, answers 503, and is served
// again once the slot has moved (see store-error.ts).
//
// The scripts that write run inside `guardWrites` (write-guard.ts): they take the undo logs of
// earlier writes to delete and their operation key as more KEYS, and a few more ARGV, at the end
// (all removed before the body runs), and call `remember(key, field, old, new, grows)` when
// changing a hash field, `created(key)` when making a session and `counted(key, id, popped)` when
// counting it in its owner's set, so that a write whose client gave up can be undone.
//
// A few scripts reach a session's keys and its owner's sorted set together (CREATE_OWNED,
// LOAD_OWNED, DESTROY_OWNED): one round trip instead of two, on one Redis (or Sentinel) only. On a
// Cluster the owner's set is in another slot and the store sends the two scripts apart.

/**
 * A session's size, field b of its data key, counted as the memory store counts it (core's
 * `dataSize` and `memberSize`): the UTF-16 code units of the JSON text `JSON.stringify` writes for
 * each member of its data and for each entry's key and value, 2 more per member; kept up to date by
 * every script that writes, in the same script. What a write brings is measured in JavaScript and
 * passed in (`dataSizeOf`, `keySize` and the value JSON's length, redis-session-store.ts); what it
 * replaces is measured here from the stored text, which is that same JSON: `units(text)` counts its
 * UTF-16 code units from its UTF-8 bytes (every byte but a continuation byte starts a character,
 * and a 4-byte character is a surrogate pair). The stored JSON holds no escape JavaScript did not
 * count: `JSON.stringify` wrote it.
 */
const SIZES = `
local function units(text)
  if not string.find(text, '[\\128-\\255]') then return #text end
  local _, continuations = string.gsub(text, '[\\128-\\191]', '')
  local _, four = string.gsub(text, '[\\240-\\247]', '')
  return #text - continuations + four
end
-- The data stored as this JSON text (false: none): its members' sizes, i.e. the text less its braces and commas.
local function dataSize(text)
  if not text then return 0 end
  local n = units(text)
  if n <= 2 then return 0 end
  return n - 1
end
-- An entry stored as "<seq>:<JSON>" under a key that counts keySize: 0 when absent.
local function entrySize(keySize, text)
  if not text then return 0 end
  return keySize + units(text) - string.find(text, ':', 1, true)
end
`;

/**
 * `charge(limit, grows)` counts `grows` more in the session's size (see SIZES), unless that grows
 * the session past `limit` (0: no cap): it then changes nothing and returns the size refused
 * (false when counted). A write that does not grow the session is always counted. The caller
 * checks before it writes anything, so a refused write leaves the session as it was.
 */
const CHARGE = `${SIZES}
local function charge(limit, grows)
  if grows == 0 then return false end
  local size = tonumber(redis.call('HGET', KEYS[1], 'b') or '0') + grows
  if grows > 0 and limit > 0 and size > limit then return size end
  redis.call('HSET', KEYS[1], 'b', size)
  return false
end
`;

/**
 * Creates a session unless the id is taken: ARGV = ttlMs, data JSON, owner ('' for none; kept in
 * field o), the data's size (see SIZES). Returns 1 or 0. (The caller checks the data against the session cap.)
 */
export const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
created(KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'n', 0, 'o', ARGV[3], 'b', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * Reads the data and extends the life of every key of the session: ARGV = collection prefix, ttlMs.
 * Returns {data JSON, owner or ''}, or nil when the session is gone. Its collection keys are
 * checked to be on this node first, with one EXISTS (see the file comment): while a resharding has
 * them on two nodes, a collection left behind would keep its old TTL and could expire before its
 * session, so the load fails (503) instead.
 */
export const LOAD = `
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return false end
local data, owner = false, ''
local keys = { KEYS[1] }
for i = 1, #all, 2 do
  local field = all[i]
  if field == 'd' then data = all[i + 1]
  elseif field == 'o' then owner = all[i + 1]
  elseif string.sub(field, 1, 2) == 'c:' then keys[#keys + 1] = ARGV[1] .. string.sub(field, 3) end
end
if #keys > 1 then redis.call('EXISTS', unpack(keys)) end
for _, key in ipairs(keys) do redis.call('PEXPIRE', key, ARGV[2]) end
return {data, owner}`;

/**
 * LOAD, then OWNER_TOUCH in the same script when the session's owner is the one expected (one
 * Redis: on a Cluster the owner's set is in another slot): KEYS[2] = that owner's sorted set, ARGV =
 * collection prefix, ttlMs, the owner expected, id, expiresAt. Returns as LOAD, with a third item
 * when the owner's set refused the update (its error): the data is read all the same, as when the
 * store sends OWNER_TOUCH apart (see the store's bookkeeping). At maxmemory (noeviction) Redis
 * refuses a script's command that takes memory only while the script has written nothing, so
 * after LOAD's PEXPIREs the ZADD lands; redis.pcall keeps the read should it ever be refused.
 */
export const LOAD_OWNED = LOAD.replace(
  'return {data, owner}',
  `if owner ~= '' and owner == ARGV[3] then
  local moved = redis.pcall('ZADD', KEYS[2], 'XX', 'CH', ARGV[5], ARGV[4])
  if type(moved) == 'table' then return {data, owner, moved.err} end
  if moved == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
return {data, owner}`,
);

/**
 * Replaces the data field only, so concurrent collection writes are untouched: ARGV = data JSON,
 * session cap (0: none), the data's size. Returns 1, 0 when the session is gone, {-2, size} when over the cap.
 */
export const SAVE = `${CHARGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('HGET', KEYS[1], 'd')
local grows = tonumber(ARGV[3]) - dataSize(old)
local refused = charge(tonumber(ARGV[2]), grows)
if refused then return {-2, refused} end
remember(KEYS[1], 'd', old, ARGV[1], grows)
redis.call('HSET', KEYS[1], 'd', ARGV[1])
return 1`;

/**
 * The DESTROY script, or with `owned` DESTROY_OWNED. DESTROY deletes every key of the session:
 * KEYS[1] = its data key, then the undo logs of its answered writes to delete along (see
 * write-guard.ts); ARGV = collection prefix. Returns its owner ('' for none) when it existed, 0
 * otherwise. One DEL of all of them: Redis refuses it unless they are all on this node (see the
 * file comment), so a resharding never leaves a collection of a destroyed session behind.
 * DESTROY_OWNED also takes the id out of its owner's sorted set, whether the session was still
 * there or not (one Redis: on a Cluster that set is in another slot): KEYS[2] = the set, then the
 * undo logs; ARGV = collection prefix, id.
 */
function destroy(owned: boolean): string {
  const unowned = owned ? "redis.call('ZREM', KEYS[2], ARGV[2])\n" : '';
  return `
local all = redis.call('HKEYS', KEYS[1])
local keys = {}
for i = ${owned ? 3 : 2}, #KEYS do keys[#keys + 1] = KEYS[i] end
if #all == 0 then
  if #keys > 0 then redis.call('DEL', unpack(keys)) end
  ${unowned}return 0
end
local owner = redis.call('HGET', KEYS[1], 'o') or ''
keys[#keys + 1] = KEYS[1]
for _, field in ipairs(all) do
  if string.sub(field, 1, 2) == 'c:' then keys[#keys + 1] = ARGV[1] .. string.sub(field, 3) end
end
redis.call('DEL', unpack(keys))
${unowned}return owner`;
}

/** Deletes every key of a session (see {@link destroy}). */
export const DESTROY = destroy(false);

/** DESTROY, and the id out of its owner's sorted set in the same script (one Redis; see {@link destroy}). */
export const DESTROY_OWNED = destroy(true);

/**
 * Counts a new session against its owner: KEYS[1] = the owner's sorted set (id -> expiry time,
 * least recently used first), ARGV = now, quota, id, expiresAt, ttlMs. Forgets expired ids, takes
 * out the least recently used ids until there is room, adds the id and keeps the set alive as long
 * as its newest session. Returns the ids taken out, for the caller to destroy.
 */
export const OWNER_ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2]) + 1
local evicted = {}
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], over)
  for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return evicted`;

/**
 * CREATE and OWNER_ADMIT as one script, on one Redis (on a Cluster the owner's set is in another
 * slot): KEYS[1] = the session's data key, KEYS[2] = the owner's sorted set; ARGV = ttlMs, data
 * JSON, owner, the data's size (see SIZES), now, quota, id, expiresAt. Returns {0} when the id is
 * taken, else {1, the ids taken out...} for the caller to destroy. Both are undone together when
 * the reply is lost (`created` and `counted`, see write-guard.ts).
 */
export const CREATE_OWNED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
created(KEYS[1])
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'n', 0, 'o', ARGV[3], 'b', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6]) + 1
local reply = {1}
local popped = {}
if over > 0 then
  popped = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #popped, 2 do reply[#reply + 1] = popped[i] end
end
counted(KEYS[2], ARGV[7], popped)
redis.call('ZADD', KEYS[2], ARGV[8], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return reply`;

/** Marks a use of an owner's session: KEYS[1] = owner set, ARGV = id, expiresAt, ttlMs (XX: never adds). */
export const OWNER_TOUCH = `
if redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[2], ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

/** Reads one entry: KEYS[2] = collection key, ARGV = entry key. Returns "<seq>:<JSON>", nil when absent, or -1 when the session is gone. */
export const GET = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HGET', KEYS[2], ARGV[1])`;

/** Reads a collection: KEYS[2] = collection key. Returns a flat key/value list, or -1 when the session is gone. */
export const LIST = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HGETALL', KEYS[2])`;

/**
 * Writes one entry, keeping an existing entry's place in the order: KEYS[2] = collection key,
 * ARGV = collection name, entry key, value JSON, 1 to write only when absent, session cap (0: none),
 * the key's size and the value's (see SIZES).
 * Returns 1 when written, 0 when the key was taken (only-if-absent), -1 when the session is gone,
 * {-2, size} when the write would take the session past its cap.
 */
export const SET = `${CHARGE}
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return -1 end
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old and ARGV[4] == '1' then return 0 end
local keySize = tonumber(ARGV[6])
local grows = keySize + tonumber(ARGV[7]) - entrySize(keySize, old)
local refused = charge(tonumber(ARGV[5]), grows)
if refused then return {-2, refused} end
local seq
if old then
  seq = string.match(old, '^(%d+):')
else
  seq = redis.call('HINCRBY', KEYS[1], 'n', 1)
  redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], 1)
end
remember(KEYS[2], ARGV[2], old or false, seq .. ':' .. ARGV[3], grows)
redis.call('HSET', KEYS[2], ARGV[2], seq .. ':' .. ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`;

/**
 * Applies a batch's buffered writes in order, in one round trip: KEYS = the data key, then the
 * key of each collection the writes touch (declared for Cluster resharding, see the file comment;
 * the script derives them from the names again), ARGV[1] = collection prefix,
 * ARGV[2] = the ops as one JSON array, four items per op: op, collection, entry key, value,
 * ARGV[3] = the session cap (0: none, for undo steps), ARGV[4] = each op's key size and value size
 * (see SIZES) as one JSON array of numbers, two per op.
 * Ops: 's' set (value JSON), 'a' add only
 * when absent, 'd' delete (value ''), and two guards on the entry's stored JSON (value: the JSON
 * expected, '' for absent): 'e' stops the script when the entry differs (a compare-and-set whose
 * value changed), 'i' skips only the next op when it differs (a conditional delete, an undo).
 * A run 'r' stands for two or more writes in a row to one entry (see pack-ops.ts): its value is
 * the last write's JSON ('' when it deletes, its size that JSON's), then come four more items: the
 * number of writes, the first one's op, the size of the longest JSON they write (-1 for none) and
 * how many add the entry back after a delete; each write is checked as it would be alone, and
 * counts as one op.
 * Stops at the first add whose key is taken or 'e' that fails, so nothing computed from the
 * batch's view of that key is applied; so does a write that would take the session past its cap.
 * Returns {1, n} when all n writes were processed, {0, i} when the write after the first i was refused,
 * {2, i, size} when it was refused for the cap, {-1, 0} when the session is gone, and {3, i}
 * (nothing written) when a write of a run may pass the cap: the caller sends the ops again
 * without runs, each with its JSON.
 */
export const APPLY = `${SIZES}
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return {-1, 0} end
-- The session's size (see SIZES): what the script changes it by, added once by finish(); the
-- stored size is read only when a write grows the session under a cap.
local limit = tonumber(ARGV[3])
local sizes = cjson.decode(ARGV[4])
local delta, size = 0, nil
local touched = {}
local registered = {}
-- Each field as the script sees it, read at most once (one HGET per field per script, or none): its JSON
-- (false: absent) and the order number of a present entry, kept apart so that guards compare the
-- JSON as it is and writes build no text. Writes only change this copy; finish() writes each
-- changed field once and logs it for the write guard (its first old and last new text), so a field
-- the batch adds and then deletes in the same script costs Redis one HGET, no write and no undo
-- entry. The script runs alone: no one can see the steps in between.
local known = {}
local seqs = {}
local original = {}
local changed = {}
-- What the script's writes to each field changed the session's size by, for the undo log.
local grown = {}
-- A small collection (32 entries at most) is read whole once (HGETALL) rather than a field at a
-- time, so the many adds of a batch to an empty or nearly empty collection cost no HGET each.
local whole = {}
local function stored(key, field)
  local fields = known[key]
  if not fields then
    fields = {}
    known[key] = fields
    seqs[key] = {}
    original[key] = {}
    local entries = redis.call('HLEN', key)
    if entries <= 32 then
      local all = entries > 0 and redis.call('HGETALL', key) or {}
      local map = {}
      for j = 1, #all, 2 do map[all[j]] = all[j + 1] end
      whole[key] = map
    end
  end
  local json = fields[field]
  if json == nil then
    local map = whole[key]
    local text
    if map then text = map[field] or false else text = redis.call('HGET', key, field) end
    original[key][field] = text
    json = false
    if text then
      local colon = string.find(text, ':', 1, true)
      seqs[key][field] = string.sub(text, 1, colon - 1)
      json = string.sub(text, colon + 1)
    end
    fields[field] = json
  end
  return json
end
local function change(key, field, json, grows)
  known[key][field] = json
  local fields = changed[key]
  if not fields then
    fields = {}
    changed[key] = fields
    grown[key] = {}
  end
  fields[field] = true
  grown[key][field] = (grown[key][field] or 0) + grows
end
-- Many fields per HSET or HDEL, within what unpack takes.
local function each(command, key, list)
  for i = 1, #list, 1000 do
    redis.call(command, key, unpack(list, i, math.min(i + 999, #list)))
  end
end
-- The order counter, read once and written back once (the script runs alone, so no one else moves it).
local seq, nextSeq = nil, nil
local function finish()
  local data = {}
  if nextSeq ~= seq then
    data[1] = 'n'
    data[2] = nextSeq
  end
  if delta ~= 0 then redis.call('HINCRBY', KEYS[1], 'b', delta) end
  for name in pairs(registered) do
    data[#data + 1] = 'c:' .. name
    data[#data + 1] = 1
  end
  if #data > 0 then redis.call('HSET', KEYS[1], unpack(data)) end
  for key, fields in pairs(changed) do
    local sets, deletes = {}, {}
    local now, at, was, grows = known[key], seqs[key], original[key], grown[key]
    for field in pairs(fields) do
      local json, old = now[field], was[field]
      local text = false
      if json then text = at[field] .. ':' .. json end
      if text ~= old then
        remember(key, field, old, text, grows[field])
        if text then
          sets[#sets + 1] = field
          sets[#sets + 1] = text
        else
          deletes[#deletes + 1] = field
        end
      end
    end
    each('HSET', key, sets)
    each('HDEL', key, deletes)
  end
  if ttl > 0 then for key in pairs(touched) do redis.call('PEXPIRE', key, ttl) end end
end
-- A write's growth under the cap: nil when it fits (then counted), else the size it would make.
local function over(grows)
  if grows > 0 and limit > 0 then
    size = size or tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
    if size + delta + grows > limit then return size + delta + grows end
  end
  delta = delta + grows
  return nil
end
-- The order number of an entry added now (the counter is read once, when first needed).
local function added(name)
  if not seq then
    seq = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
    nextSeq = seq
  end
  nextSeq = nextSeq + 1
  registered[name] = true
  return nextSeq
end
local ops = cjson.decode(ARGV[2])
local applied = 0
local skip = false
local keyOf = {}
-- sizes holds two numbers per op: the op's key size, then its value's.
local i, sized, count = 1, 1, #ops
while i <= count do
  local op, name, field, value = ops[i], ops[i + 1], ops[i + 2], ops[i + 3]
  local keySize, valueSize = sizes[sized], sizes[sized + 1]
  sized = sized + 2
  local key = keyOf[name]
  if not key then
    key = ARGV[1] .. name
    keyOf[name] = key
  end
  if op == 'r' then
    -- A run of writes in a row to one entry (see pack-ops.ts): only the last write's JSON ('' when
    -- it deletes) travels, with how many writes, the first one's op, the size of the longest JSON
    -- they write (-1: deletes only) and how many add the entry back after a delete. Each write is
    -- checked as it would be alone: only the first can meet a present entry when adding (after
    -- it, the entry is as the batch's view has it), and a write that might pass the cap means
    -- sending the ops again without runs ({3}: nothing written), since stopping before it needs
    -- the JSON of the write before.
    if skip then return {3, applied} end
    local steps, first, longest, readded = ops[i + 4], ops[i + 5], ops[i + 6], ops[i + 7]
    local old = stored(key, field)
    if old and first == 'a' then
      finish()
      return {0, applied}
    end
    -- What the entry counts for in the session's size (see SIZES) before the run.
    local before = old and keySize + units(old) or 0
    if longest >= 0 then
      if limit > 0 then
        size = size or tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
        if size + delta + keySize + longest - before > limit then return {3, applied} end
      end
      touched[key] = true
    end
    local last = value ~= '' and value
    local grows = (last and keySize + valueSize or 0) - before
    delta = delta + grows
    local adds = readded
    if not old and first ~= 'd' then adds = adds + 1 end
    for _ = 1, adds do
      local number = added(name)
      if last then seqs[key][field] = number end
    end
    -- An entry the run adds and deletes again changes nothing in Redis.
    if last or old then change(key, field, last, grows) end
    applied = applied + steps
    i = i + 8
  else
    if skip then
      skip = false
    elseif op == 'e' or op == 'i' then
      if (stored(key, field) or '') ~= value then
        if op == 'e' then
          finish()
          return {0, applied}
        end
        skip = true
      end
    elseif op == 'd' then
      local old = stored(key, field)
      if old then
        local grows = -keySize - units(old)
        delta = delta + grows
        change(key, field, false, grows)
      end
    else
      local old = stored(key, field)
      if old and op == 'a' then
        finish()
        return {0, applied}
      end
      local grows = valueSize - (old and units(old) or -keySize)
      local past = over(grows)
      if past then
        finish()
        return {2, applied, past}
      end
      if not old then seqs[key][field] = added(name) end
      change(key, field, value, grows)
      touched[key] = true
    end
    applied = applied + 1
    i = i + 4
  end
end
finish()
return {1, applied}`;

/**
 * Compare-and-set of one entry: KEYS[2] = collection key, ARGV = collection name, entry key, the
 * stored JSON expected ('' for absent), the new JSON ('' to delete), session cap (0: none), the
 * key's size and the new JSON's (see SIZES). Compares
 * the stored text; the caller compares again as canonical JSON when the texts differ. Returns 1
 * when written, -1 when the session is gone, {0, stored JSON or ''} when the entry holds something
 * else, {-2, size} when the write would take the session past its cap.
 */
export const COMPARE_AND_SET = `${CHARGE}
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return -1 end
local old = redis.call('HGET', KEYS[2], ARGV[2])
local json = ''
local seq
if old then
  local colon = string.find(old, ':', 1, true)
  seq = string.sub(old, 1, colon - 1)
  json = string.sub(old, colon + 1)
end
if json ~= ARGV[3] then return {0, json} end
local keySize = tonumber(ARGV[6])
local grows = -entrySize(keySize, old)
if ARGV[4] ~= '' then grows = grows + keySize + tonumber(ARGV[7]) end
local refused = charge(tonumber(ARGV[5]), grows)
if refused then return {-2, refused} end
if ARGV[4] == '' then
  remember(KEYS[2], ARGV[2], old or false, false, grows)
  redis.call('HDEL', KEYS[2], ARGV[2])
  return 1
end
if not old then
  seq = redis.call('HINCRBY', KEYS[1], 'n', 1)
  redis.call('HSET', KEYS[1], 'c:' .. ARGV[1], 1)
end
remember(KEYS[2], ARGV[2], old or false, seq .. ':' .. ARGV[4], grows)
redis.call('HSET', KEYS[2], ARGV[2], seq .. ':' .. ARGV[4])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`;

/**
 * Replaces the session data only if it is still the text the caller merged into: ARGV = data JSON
 * expected ('' never matches: a plain read), new data JSON, session cap (0: none), the new data's
 * size (see SIZES). Returns 1 when
 * replaced, the stored JSON when it differs, nil when the session is gone, {-2, size} when over
 * the cap. The merge itself happens in JavaScript:
 * Lua's cjson would turn empty arrays into objects, round numbers to 14 digits and reorder keys.
 */
export const SWAP_DATA = `${CHARGE}
local current = redis.call('HGET', KEYS[1], 'd')
if not current then return false end
if current ~= ARGV[1] then return current end
local grows = tonumber(ARGV[4]) - dataSize(current)
local refused = charge(tonumber(ARGV[3]), grows)
if refused then return {-2, refused} end
remember(KEYS[1], 'd', current, ARGV[2], grows)
redis.call('HSET', KEYS[1], 'd', ARGV[2])
return 1`;

/**
 * Deletes one entry: KEYS[2] = collection key, ARGV = entry key, its size (see SIZES). Returns 1 when
 * it existed, 0 when it did not, -1 when the session is gone.
 */
export const DELETE = `${CHARGE}
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return 0 end
local grows = -entrySize(tonumber(ARGV[2]), old)
charge(0, grows)
remember(KEYS[2], ARGV[1], old, false, grows)
return redis.call('HDEL', KEYS[2], ARGV[1])`;

/**
 * Admits a session under the store's limit: KEYS[1] = index sorted set (id -> expiry time),
 * ARGV = now, max, id, expiresAt. Forgets expired ids first. Returns 1 when admitted.
 */
export const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
return 1`;
