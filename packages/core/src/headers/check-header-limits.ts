import type { EngineLimits } from '../engine/engine-options.js';
import { RestBatchError } from '../errors/restbatch-error.js';

function notText(name: string, value: unknown): RestBatchError {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return new RestBatchError(
    'INVALID_HEADER',
    `Header ${JSON.stringify(name.slice(0, 100))} must be text (a string or an array of strings), not ${kind}`,
  );
}

/**
 * Rejects an outer request with too many or too large headers (`HEADERS_TOO_LARGE`, 431) before
 * anything reads them, and a header whose value is not text (`INVALID_HEADER`). node:http has its
 * own cap on the header section; this one also covers WebSocket messages and direct calls, whose
 * headers no HTTP parser has seen.
 */
export function checkHeaderLimits(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
  limits: Pick<EngineLimits, 'maxRequestHeaders' | 'maxRequestHeaderBytes'>,
): void {
  if (headers === undefined) return;
  let count = 0;
  let bytes = 0;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      count++;
      bytes += name.length + value.length;
    } else {
      // In-process callers (direct, a WebSocket message) can hand any value: only text is a header.
      if (!Array.isArray(value)) throw notText(name, value);
      for (const v of value) {
        if (typeof v !== 'string') throw notText(name, v);
        count++;
        bytes += name.length + v.length;
      }
    }
  }
  if (count > limits.maxRequestHeaders) {
    throw new RestBatchError('HEADERS_TOO_LARGE', `The request has ${count} headers; the limit is ${limits.maxRequestHeaders}`, {
      details: { count, limit: limits.maxRequestHeaders },
    });
  }
  if (bytes > limits.maxRequestHeaderBytes) {
    throw new RestBatchError(
      'HEADERS_TOO_LARGE',
      `The request's headers hold ${bytes} bytes; the limit is ${limits.maxRequestHeaderBytes}`,
      {
        details: { bytes, limit: limits.maxRequestHeaderBytes },
      },
    );
  }
}
