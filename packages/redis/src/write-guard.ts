// Every write script runs inside this guard, so that a command the client gave up on cannot apply
// later (see docs/several-nodes.md, "What a 503 means"):
//   - a deadline in Redis's own clock (`TIME`): a script that starts after it refuses with `LATE`;
//   - an operation key (`<prefix>{tag}:op:<id>`, same slot as the script's keys): a script whose
//     key is already there (a fence set by a compensation) refuses with `LATE`, and a script that
//     applies leaves there, for a few minutes, the undo log of the hash fields it changed, so a
//     compensation run later can put them back (only where they still hold what it wrote). The
//     undo logs of writes that were answered are deleted by the client's next write script (or by
//     an UNLINK within 50 ms when none comes).
// The wrapped script takes more KEYS at the end: the undo logs to delete, then its operation key
// (when it has one); and three more ARGV: how many undo logs, 1 when it has an operation key, and
// the deadline (ms, Redis clock). Every key the guard touches is so declared, as Redis Cluster asks
// (on a Cluster they are all of the script's own session: its slot). Inside,
// `remember(key, field, old, new, grows)` must be called when a hash field is
// written (its stored text before and after, false for absent, and what the write changed the
// session's size by; the first old and the last new of a field are kept, the changes added up, with no extra read),
// `created(key)` when the script makes a session, so a compensation can destroy it, and
// `counted(key, id, popped)` when it adds a session to its owner's sorted set `key` (one Redis
// only), having taken out `popped` (ZPOPMIN's ids and scores), so a compensation can put them back.

/** How long an operation key (undo log or fence) lives, in ms: the longest a compensation may wait for Redis. */
export const OPERATION_TTL_MS = 10 * 60_000;

/** Wraps a script body that writes: deadline, fence and undo log (see the file comment). */
export function guardWrites(body: string): string {
  return `
local __deadline = tonumber(table.remove(ARGV))
local __op = ''
if table.remove(ARGV) == '1' then __op = table.remove(KEYS) end
-- Undo logs of earlier writes that were answered: deleted here, not by a command of their own.
local __forget = tonumber(table.remove(ARGV))
if __forget > 0 then
  redis.call('UNLINK', unpack(KEYS, #KEYS - __forget + 1))
  for _ = 1, __forget do table.remove(KEYS) end
end
local __time = redis.call('TIME')
if tonumber(__time[1]) * 1000 + math.floor(tonumber(__time[2]) / 1000) > __deadline then
  return redis.error_reply('LATE the command reached Redis after its deadline and was not applied')
end
if __op ~= '' and redis.call('EXISTS', __op) == 1 then
  return redis.error_reply('LATE the command was fenced off after its client gave up and was not applied')
end
local __undo, __seen = {}, {}
local function remember(key, field, old, new, grows)
  if __op == '' then return end
  local id = key .. '|' .. field
  local seen = __seen[id]
  if seen then
    seen[4] = new
    seen[5] = seen[5] + grows
    return
  end
  seen = {key, field, old, new, grows}
  __seen[id] = seen
  __undo[#__undo + 1] = seen
end
local function created(key)
  if __op ~= '' then __undo[#__undo + 1] = {key, '', false, false, 0} end
end
local function counted(key, member, popped)
  if __op ~= '' then __undo[#__undo + 1] = {key, '', false, false, 0, member, popped} end
end
local __reply = (function()
${body}
end)()
if __op ~= '' and #__undo > 0 then
  -- A field that ends as it began (added, then deleted) has nothing to undo: left out, in order.
  local log = {}
  for _, entry in ipairs(__undo) do
    if entry[2] == '' or entry[3] ~= entry[4] then log[#log + 1] = entry end
  end
  if #log > 0 then redis.call('SET', __op, cjson.encode(log), 'PX', ${OPERATION_TTL_MS}) end
end
return __reply`;
}

/**
 * Fences an operation off and undoes what it did, if it ran: KEYS[1] = the operation key, KEYS[2] =
 * the session's data key, ARGV = the session's collection prefix. Sets the fence first (a late copy
 * of the operation then refuses), then walks the undo log newest first: a field is put back only
 * while the session exists (a destroyed or expired one stays gone) and the field still holds what
 * the operation wrote (a later write by anyone stays), and the session's size (field b of the data
 * key, see session-scripts.ts) takes back what the operation changed it by for that field; a session the operation created is
 * destroyed, and taken out of its owner's sorted set, the ids its count took out put back (one Redis). A collection key a put-back makes again (the operation emptied it: Redis deleted the
 * hash) takes the data key's remaining TTL, as every write does, so it expires with its session.
 * Returns 1 when something was undone, 0 when the operation never applied.
 */
export const COMPENSATE = `
local log = redis.call('GET', KEYS[1])
local entries = false
if log and log ~= 'F' then
  entries = cjson.decode(log)
  -- Every key it may change must be on this node before anything changes, the fence included: one
  -- EXISTS of them all, refused by Redis while a resharding has them on two nodes (see
  -- session-scripts.ts); the compensation is then tried again until the slot has moved.
  local keys, listed = { KEYS[2] }, { [KEYS[2]] = true }
  local function list(key)
    if not listed[key] then
      listed[key] = true
      keys[#keys + 1] = key
    end
  end
  for _, entry in ipairs(entries) do
    if entry[6] then
      list(entry[1])
    elseif entry[2] == '' then
      for _, f in ipairs(redis.call('HKEYS', entry[1])) do
        if string.sub(f, 1, 2) == 'c:' then list(ARGV[1] .. string.sub(f, 3)) end
      end
    else
      list(entry[1])
    end
  end
  if #keys > 1 then redis.call('EXISTS', unpack(keys)) end
end
redis.call('SET', KEYS[1], 'F', 'PX', ${OPERATION_TTL_MS})
if not entries then return 0 end
-- The session's remaining life (-2: gone). Nothing is put back into a session that is gone: HSET
-- would make a key that never expires (the data key, or a collection outliving its session).
local ttl = redis.call('PTTL', KEYS[2])
for i = #entries, 1, -1 do
  local key, field, old, new, grows = entries[i][1], entries[i][2], entries[i][3], entries[i][4], entries[i][5]
  if entries[i][6] then
    -- A session counted in its owner's sorted set (on one Redis only: on a Cluster that set is in
    -- another slot): taken out again, and the ids its count took out put back with their scores.
    redis.call('ZREM', key, entries[i][6])
    local popped = entries[i][7]
    for j = 1, #popped, 2 do redis.call('ZADD', key, 'NX', popped[j + 1], popped[j]) end
  elseif field == '' then
    local keys = { key }
    for _, f in ipairs(redis.call('HKEYS', key)) do
      if string.sub(f, 1, 2) == 'c:' then keys[#keys + 1] = ARGV[1] .. string.sub(f, 3) end
    end
    redis.call('DEL', unpack(keys))
    ttl = -2
  elseif ttl ~= -2 and (redis.call('HGET', key, field) or false) == new then
    if old then
      redis.call('HSET', key, field, old)
      if key ~= KEYS[2] and ttl > 0 then redis.call('PEXPIRE', key, ttl) end
    else
      redis.call('HDEL', key, field)
    end
    if grows ~= 0 then redis.call('HINCRBY', KEYS[2], 'b', -grows) end
  end
end
return 1`;
