import type { RestBatchError } from '@restbatch/core';
import { bodyConsumed, TOO_LARGE } from './http-options.js';

/**
 * Reads a WHATWG request body, never holding more than `limit` bytes: a declared Content-Length
 * over the limit is refused unread, and a streamed body is cancelled at the first byte over it.
 * A body middleware already read (Hono's `await c.req.text()`) is answered with the returned error.
 */
export async function readWebBody(request: Request, limit: number): Promise<Uint8Array | undefined | typeof TOO_LARGE | RestBatchError> {
  if (request.bodyUsed || request.body?.locked === true) return bodyConsumed('read a clone (request.clone()) there');
  const declared = request.headers.get('content-length');
  const stream = request.body;
  if (declared !== null && Number(declared) > limit) {
    await stream?.cancel().catch(() => undefined);
    return TOO_LARGE;
  }
  if (stream === null) return undefined;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
