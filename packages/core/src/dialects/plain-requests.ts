import type { DecodedBatch } from './dialect.js';

const PLAIN: unique symbol = Symbol('restbatch.plainRequests');

/**
 * Marks a batch whose sub-requests are its decoder's own objects with `index` (their position),
 * `method`, `path`, `query`, `headers` and `body`, and nothing else (Exago's). A large batch may then
 * keep each one as those parts until it runs, and make it again then (see `BatchRun`). Not
 * enumerable: a copy of the batch is not marked.
 */
export function markPlainRequests<T extends DecodedBatch>(batch: T): T {
  Object.defineProperty(batch, PLAIN, { value: true });
  return batch;
}

/** Whether {@link markPlainRequests} marked `batch`. */
export function hasPlainRequests(batch: DecodedBatch): boolean {
  return (batch as { [PLAIN]?: boolean })[PLAIN] === true;
}
