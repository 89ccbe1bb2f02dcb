import { RestBatchError } from '@restbatch/core';

// Server replies that mean "Redis cannot serve now" rather than "this command is wrong". LATE is
// the write guard's refusal: the write reached Redis after its deadline and was not applied.
// UNBLOCKED: a blocked command cut short because its primary became a replica (failover).
const TRANSIENT_REPLY = /^(LOADING|READONLY|OOM|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|MISCONF|MOVED|ASK|LATE|UNBLOCKED)\b/;

/**
 * Turns a failure of the Redis client into what the engine reports: `STORE_UNAVAILABLE` (503) when
 * Redis cannot be reached or cannot serve now; anything else (a bug in a script) is rethrown as is,
 * so the engine reports it as an internal error and logs it.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof RestBatchError) return error;
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message)) return error;
  return new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; retry later', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}
