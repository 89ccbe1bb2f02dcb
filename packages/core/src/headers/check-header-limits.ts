import type { EngineLimits } from '../engine/engine-options.js';
import { RestBatchError } from '../errors/restbatch-error.js';

/**
 * Rejects an outer request with too many or too large headers (`HEADERS_TOO_LARGE`, 431) before
 * anything reads them. node:http has its own cap on the header section; this one also covers
 * WebSocket messages and direct calls, whose headers no HTTP parser has seen.
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
      for (const v of value) {
        count++;
        bytes += name.length + String(v).length;
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
