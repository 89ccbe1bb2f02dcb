import type { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchSummary, Headers, SubRequest, SubResult } from '../model/canonical.js';

/** Headers of results that carry none (shared, frozen). */
export const NO_HEADERS: Headers = Object.freeze(Object.create(null));

/** The result of a sub-request that never ran. */
export function skipped(sub: SubRequest, error: RestBatchError, message: string | undefined): SubResult {
  return {
    index: sub.index,
    id: sub.id,
    status: error.status,
    headers: NO_HEADERS,
    body: undefined,
    skipped: true,
    error: { code: error.code, message: message === undefined ? error.message : `${error.message}: ${message}`, stack: null },
  };
}

/** Counts of a batch's outcomes. */
export function summarize(results: readonly SubResult[]): BatchSummary {
  const summary = { succeeded: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    if (r.skipped) summary.skipped++;
    else if (r.status < 400) summary.succeeded++;
    else summary.failed++;
  }
  return summary;
}
