import type { IncomingMessage } from 'node:http';
import { isJsonMediaType, JsonBody, RestBatchError } from '@restbatch/core';
import { bodyConsumed, TOO_LARGE } from './http-options.js';

/**
 * Whether a body parser mounted before the handler consumed the stream and kept the body as
 * `req.body`, which the handler then uses (and whose bytes the parser already decoded). body-parser
 * 2 (Express 5) leaves `req.body` undefined when it did not parse; 1.x sets `{}` and marks `_body`.
 */
export function usesParsedBody(req: IncomingMessage): boolean {
  const { body: parsed, _body: marked } = req as { body?: unknown; _body?: unknown };
  return parsed !== undefined && (marked === true || req.readableEnded);
}

/**
 * Reads a request body, never holding more than `limit` bytes: a declared Content-Length over the
 * limit is refused before reading, and a streamed body stops being read at the first byte over it.
 * A body that middleware before the handler consumed, and kept in a form the engine cannot use, is
 * answered with the returned coded error instead. `parsedBefore` is {@link usesParsedBody} of `req`,
 * asked before anything read it (the caller needs the same answer). `invite` (a request that
 * expects `100 Continue` and has not had it) is called once the body is going to be read.
 */
export function readNodeBody(
  req: IncomingMessage,
  limit: number,
  parsedBefore: boolean,
  invite?: () => void,
): Promise<Uint8Array | JsonBody | undefined | typeof TOO_LARGE | RestBatchError> {
  // A body parser mounted before us (express.json()) has consumed the stream: use what it kept.
  // express.json() keeps `{}` for `Content-Length: 0`, which is no body (and answered as one).
  if (parsedBefore) return Promise.resolve(hasBody(req) ? preParsed(req, (req as { body?: unknown }).body, limit) : undefined);
  // Read to its end by someone else (a raw-body-for-signatures middleware) and kept nowhere we know.
  if (req.readableEnded)
    return Promise.resolve(hasBody(req) ? bodyConsumed('keep it as req.body (a Buffer, a string or a parsed JSON value)') : undefined);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    // Destroyed before its end: the client went away, and no `end` or `close` will come.
    if (req.destroyed) {
      reject(new Error('The client closed the connection before the body ended'));
      return;
    }
    if (invite !== undefined && !req.complete) invite();
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
    // A stream middleware paused (and left) would otherwise never flow to the `data` listener.
    req.resume();
  });
}

/**
 * Bytes and text (express.raw(), express.text()) are checked against `limit`; a parsed JSON value is
 * handed over as a {@link JsonBody}, so it is not serialized and parsed again: the parser's own
 * `limit` applied while reading, and the engine's `limits.maxBodyBytes` still applies to the value.
 * A value parsed from another type (express.urlencoded() turns Exago's curl batch into an object
 * of form fields) is not the body the client sent, and is refused.
 */
function preParsed(
  req: IncomingMessage,
  body: unknown,
  limit: number,
): Uint8Array | JsonBody | undefined | typeof TOO_LARGE | RestBatchError {
  if (body instanceof Uint8Array || typeof body === 'string') {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (bytes.byteLength > limit) return TOO_LARGE;
    return bytes.byteLength === 0 ? undefined : bytes;
  }
  const type = req.headers['content-type'];
  // The engine takes a parsed value of JSON and `+json` as it is (or of none, read as JSON).
  if (type !== undefined && !isJsonMediaType(type)) {
    return new RestBatchError(
      'UNSUPPORTED_MEDIA_TYPE',
      `A body parser mounted before restbatch parsed this ${type.slice(0, 100)} body into an object the engine cannot read; ` +
        'mount the restbatch handler before body parsers such as express.urlencoded() (or limit their `type`)',
    );
  }
  try {
    return JsonBody.of(body);
  } catch (error) {
    // A parsed value JSON cannot write (a BigInt-aware parser): BODY_UNWRITABLE, answered as a refusal.
    if (error instanceof RestBatchError) return error;
    throw error;
  }
}

/** Whether the request declared a body (a length other than 0, or a chunked body). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}
