import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { WHOLE, wholeOrChunks } from './json-in-turns.js';

/**
 * Writes a JSON answer without holding the event loop or memory for its whole text: an answer of
 * up to {@link WHOLE} characters goes whole with its `Content-Length`, as before; a larger one is
 * written chunk by chunk (chunked transfer coding), waiting for the socket to drain and letting
 * other work run every 2 ms. Twenty concurrent 31 MB answers made with one `JSON.stringify`
 * each held the loop 50–100 ms at a time and kept each answer's text and bytes alive at once.
 */
export async function writeJsonInTurns(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  writeTimeoutMs: number,
): Promise<void> {
  const answer = wholeOrChunks(body);
  if (typeof answer === 'string') {
    // Small enough to go whole, with its length (as text: node copies it once, into the socket).
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(answer)) });
    res.end(answer);
  } else {
    res.writeHead(status, headers);
    for await (const chunk of answer) {
      if (res.destroyed) return;
      // A socket that takes the bytes at once drains in the same turn (node emits 'drain' on its
      // next tick): waiting for it is no turn of the event loop, only the chunks' time check is.
      if (!res.write(chunk)) await drained(res, writeTimeoutMs);
    }
    if (res.destroyed) return;
    res.end();
  }
  flushedWithin(res, writeTimeoutMs);
}

/**
 * Resolves when `res` can take more, or is gone; a client that reads nothing for `timeoutMs` (0:
 * no limit) has its connection destroyed, so its answer stops holding memory and the results it
 * counts against `limits.maxResultBytesInFlight` (as a streamed answer's `writeTimeoutMs`).
 */
function drained(res: ServerResponse, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = timeoutMs > 0 ? setTimeout(() => res.destroy(), timeoutMs) : undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Destroys the connection of an answer not handed to the socket within `timeoutMs` (see {@link drained}). */
function flushedWithin(res: ServerResponse, timeoutMs: number): void {
  if (timeoutMs <= 0 || res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), timeoutMs);
  const done = () => {
    clearTimeout(timer);
    res.off('finish', done);
    res.off('close', done);
  };
  res.on('finish', done);
  res.on('close', done);
}

/**
 * The JSON text of a body, for a framework that sends strings or streams (the Fastify mount): up to
 * {@link WHOLE} characters the text itself; beyond, a stream of chunks made as the client reads
 * (letting other work run every 2 ms), so the whole text never exists at once.
 */
export function jsonTextOrStream(body: unknown): string | Readable {
  const answer = wholeOrChunks(body);
  return typeof answer === 'string' ? answer : Readable.from(answer, { objectMode: false });
}
