import type { IncomingMessage } from 'node:http';
import { TOO_LARGE } from './http-options.js';

/**
 * Reads a request body, never holding more than `limit` bytes: a declared Content-Length over the
 * limit is refused before reading, and a streamed body stops being read at the first byte over it.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined | typeof TOO_LARGE> {
  // A body parser mounted before us (Express) has consumed the stream; use what it kept.
  const parsed = (req as { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) return Promise.resolve(preParsed(parsed, limit));
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

function preParsed(body: unknown, limit: number): Uint8Array | undefined | typeof TOO_LARGE {
  let bytes: Uint8Array;
  if (body instanceof Uint8Array) bytes = body;
  else if (typeof body === 'string') bytes = Buffer.from(body);
  else if (typeof body === 'object' && body !== null && Object.keys(body).length === 0) return undefined;
  else bytes = Buffer.from(JSON.stringify(body));
  if (bytes.byteLength > limit) return TOO_LARGE;
  return bytes.byteLength === 0 ? undefined : bytes;
}
