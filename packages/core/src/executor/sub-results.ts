import type { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchSummary, Headers, SubRequest, SubResult } from '../model/canonical.js';
import { Reply } from '../resource/reply.js';
import { isJsonMediaType } from '../engine/parse-body.js';

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
  for (const r of results) count(summary, r);
  return summary;
}

/** Counts one result into a summary: skipped, succeeded (below 400) or failed. */
export function count(summary: BatchSummary, result: SubResult): void {
  if (result.skipped) summary.skipped++;
  else if (result.status < 400) summary.succeeded++;
  else summary.failed++;
}

/**
 * The result of a handler's value: a {@link Reply} as it says, else the route's status or the
 * method's. The one place a handler's answer becomes a result, alone and in a batch, so every
 * transport and every dialect's item reads it alike: a status that cannot carry content (1xx, 204,
 * 304: RFC 9110 §15.2, §15.3.5, §15.4.5) has no body, and a content type is stated only over a
 * body and only as a JSON type, the one the body is written in (a handler's `text/plain` is dropped
 * and its JSON body goes out as `application/json`, as from a handler that states no type).
 */
export function answer(sub: SubRequest, status: number | undefined, given: unknown): SubResult {
  if (given instanceof Reply) {
    const body = carriesContent(given.status) ? written(given.body) : undefined;
    return { index: sub.index, id: sub.id, status: given.status, headers: statedHeaders(given.headers, body), body };
  }
  const value = written(given);
  const code = status ?? (value === undefined ? 204 : sub.method === 'POST' ? 201 : 200);
  return {
    index: sub.index,
    id: sub.id,
    status: code,
    headers: NO_HEADERS,
    body: value === undefined || carriesContent(code) ? value : undefined,
  };
}

/**
 * A handler's answer as JSON writes it at the top: `undefined` where JSON has no text for it (a
 * function, a symbol, or an object whose `toJSON()` returns one of these or undefined:
 * `JSON.stringify` answers undefined, ECMA-262 SerializeJSONProperty), so that it answers as
 * `undefined` does, 204, alone and in every dialect's items. A `toJSON()` is called here, once (its
 * value is the answer's snapshot); one that throws is left for the snapshot to report (500).
 */
function written(value: unknown): unknown {
  switch (typeof value) {
    case 'symbol':
      return undefined;
    case 'object':
    case 'function': {
      if (value === null) return value;
      let toJSON: unknown;
      try {
        toJSON = (value as { toJSON?: unknown }).toJSON;
      } catch {
        return value;
      }
      if (typeof toJSON !== 'function') return typeof value === 'function' ? undefined : value;
      let json: unknown;
      try {
        json = (toJSON as (key: string) => unknown).call(value, '');
      } catch {
        return value;
      }
      if (json === undefined || typeof json === 'function' || typeof json === 'symbol') return undefined;
      // JSON calls toJSON once at a place: the snapshot would call a second one on this value.
      return typeof json === 'object' && json !== null && typeof (json as { toJSON?: unknown }).toJSON === 'function' ? value : json;
    }
    default:
      return value;
  }
}

/** Whether an answer of `status` may carry content (RFC 9110: not 1xx, 204 or 304). */
function carriesContent(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}

/** A reply's headers without a `content-type` that does not describe `body` as it is written (JSON). */
function statedHeaders(headers: Headers, body: unknown): Headers {
  const type = headers['content-type'];
  if (type === undefined || (body !== undefined && isJsonMediaType(type))) return headers;
  const { 'content-type': _dropped, ...rest } = headers;
  return rest;
}
