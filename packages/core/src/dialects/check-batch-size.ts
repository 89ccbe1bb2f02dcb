import { RestBatchError } from '../errors/restbatch-error.js';

/**
 * Rejects a batch of `count` sub-requests over `limit` with `BATCH_TOO_MANY_REQUESTS`. Decoders
 * call it as soon as they know how many items the envelope holds, before any per-item work, so an
 * oversized batch costs one length read whatever its items hold.
 */
export function checkBatchSize(count: number, limit: number): void {
  if (count > limit) {
    throw new RestBatchError('BATCH_TOO_MANY_REQUESTS', `The batch holds ${count} sub-requests; the limit is ${limit}`, {
      details: { count, limit },
    });
  }
}
