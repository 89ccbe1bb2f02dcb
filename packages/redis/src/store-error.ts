import { RestBatchError } from '@restbatch/core';

// Server replies that mean "Redis cannot serve now" rather than "this command is wrong". LATE is
// the write guard's refusal: the write reached Redis after its deadline and was not applied.
// UNBLOCKED: a blocked command cut short because its primary became a replica (failover).
const TRANSIENT_REPLY = /^(LOADING|READONLY|OOM|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|MISCONF|MOVED|ASK|LATE|UNBLOCKED)\b/;
// A script that reached a key not on its node while the key's slot migrates (Cluster resharding):
// Redis stops the script at that command. A script is not rolled back, so writes it made before
// would stay: every script of the store reaches all the keys it may change (declared, or in one
// multi-key command) before its first write (see session-scripts.ts), so nothing of it lands. The
// slot is served again once the migration moved on.
const MIGRATING_SLOT = /Script attempted to access a non local key/;

/** Whether a Redis reply error means "cannot serve now, retry" (not "this command is wrong"). */
export function isTransientReply(error: unknown): boolean {
  return error instanceof Error && (TRANSIENT_REPLY.test(error.message) || MIGRATING_SLOT.test(error.message));
}

/** Whether Redis refused a command for memory (`maxmemory` reached under the `noeviction` policy). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('OOM');
}

/** Whether a script was aborted because its slot is migrating away (served again once it moved on). */
export function isMigratingSlot(error: Error): boolean {
  return MIGRATING_SLOT.test(error.message);
}

/**
 * Turns a failure of the Redis client into what the engine reports: `STORE_UNAVAILABLE` (503) when
 * Redis cannot be reached or cannot serve now; anything else (a bug in a script, a malformed
 * argument: `INVALID_ARGUMENT`) is rethrown as is, so the engine reports it as an internal error and logs it.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof RestBatchError) return error;
  // A malformed argument (a record's owner or ttlMs) is the caller's mistake, not an outage: a retry would fail the same.
  if (error instanceof Error && (error as { code?: unknown }).code === 'INVALID_ARGUMENT') return error;
  if (error instanceof Error && error.name === 'ReplyError' && !isTransientReply(error)) return error;
  return new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; retry later', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}
