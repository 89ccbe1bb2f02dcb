import type { DecodedBatch } from './dialect.js';

const PLAIN: unique symbol = Symbol('restbatch.plainRequests');

/**
 * Marks a batch whose sub-requests are its decoder's own objects with `index` (their position),
 * `method`, `path`, `query`, `headers` and `body`, and nothing else (Exago's). A large batch may then
 * keep each one as those parts until it runs, and make it again then (see `BatchRun`). A plain
 * symbol-keyed member (a store, not `defineProperty`: every batch of the dialect pays it); a copy
 * of the batch shares its sub-requests and so may carry it.
 */
export function markPlainRequests<T extends DecodedBatch>(batch: T): T {
  (batch as { [PLAIN]?: boolean })[PLAIN] = true;
  return batch;
}

/** Whether {@link markPlainRequests} marked `batch`. */
export function hasPlainRequests(batch: DecodedBatch): boolean {
  return (batch as { [PLAIN]?: boolean })[PLAIN] === true;
}
