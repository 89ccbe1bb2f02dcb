import type { IncomingMessage } from 'node:http';
import { JsonBody } from '@restbatch/core';
import { TOO_LARGE } from './http-options.js';

/**
 * Reads a request body, never holding more than `limit` bytes: a declared Content-Length over the
 * limit is refused before reading, and a streamed body stops being read at the first byte over it.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array | JsonBody | undefined | typeof TOO_LARGE> {
  // A body parser mounted before us (express.json()) has consumed the stream: use what it kept.
  // body-parser 2 (Express 5) leaves `req.body` undefined when it did not parse; 1.x marks `_body`.
  const { body: parsed, _body: marked } = req as { body?: unknown; _body?: unknown };
  if (parsed !== undefined && (marked === true || req.readableEnded)) return Promise.resolve(preParsed(parsed, limit));
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        resolve(TOO_LARGE);
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(size === 0 ? undefined : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => onError(new Error('The client closed the connection before the body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Bytes and text (express.raw(), express.text()) are checked against `limit`; a parsed JSON value is
 * handed over as a {@link JsonBody}, so it is not serialized and parsed again: the parser's own
 * `limit` applied while reading, and the engine's `limits.maxBodyBytes` still applies to the value.
 */
function preParsed(body: unknown, limit: number): Uint8Array | JsonBody | undefined | typeof TOO_LARGE {
  if (body instanceof Uint8Array || typeof body === 'string') {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.byteLength > limit) return TOO_LARGE;
    return bytes.byteLength === 0 ? undefined : bytes;
  }
  return JsonBody.of(body);
}
