import type { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchSummary, Headers, SubRequest, SubResult } from '../model/canonical.js';
import { Reply } from '../resource/reply.js';

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

/** The result of a handler's value: a {@link Reply} as it says, else the route's status or the method's. */
export function answer(sub: SubRequest, status: number | undefined, value: unknown): SubResult {
  if (value instanceof Reply) return { index: sub.index, id: sub.id, status: value.status, headers: value.headers, body: value.body };
  return {
    index: sub.index,
    id: sub.id,
    status: status ?? (value === undefined ? 204 : sub.method === 'POST' ? 201 : 200),
    headers: NO_HEADERS,
    body: value,
  };
}
