import { BatchMark } from './batch-mark.js';
import type { DecodedBatch } from './dialect.js';

const PLAIN = new BatchMark('restbatch.plainRequests');

/**
 * Marks a batch whose sub-requests are its decoder's own objects with `index` (their position),
 * `method`, `path`, `query`, `headers` and `body`, and nothing else (Exago's). A large batch may then
 * keep each one as those parts until it runs, and make it again then (see `BatchRun`). A copy of
 * the batch shares its sub-requests and so may carry the mark.
 */
export function markPlainRequests<T extends DecodedBatch>(batch: T): T {
  return PLAIN.set(batch);
}

/** Whether {@link markPlainRequests} marked `batch`. */
export function hasPlainRequests(batch: DecodedBatch): boolean {
  return PLAIN.has(batch);
}
