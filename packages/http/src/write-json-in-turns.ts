import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { WHOLE, wholeOrChunks } from './json-in-turns.js';
import { nextTurn } from './next-turn.js';
import { endInPieces, headOverHttp2, responseGone, writeInPieces } from './http2-stream.js';
import { drainedWithin, flushedWithin, streamWriteWatch } from './write-timeout.js';

/**
 * Writes a JSON answer without holding the event loop or memory for its whole text: an answer of
 * up to {@link WHOLE} characters goes whole with its `Content-Length`, as before; a larger one is
 * written chunk by chunk (chunked transfer coding), waiting for the socket to drain and letting
 * other work run every 2 ms. Twenty concurrent 31 MB answers made with one `JSON.stringify`
 * each held the loop 50–100 ms at a time and kept each answer's text and bytes alive at once.
 * `turn` lets go of the loop between slices: the engine's `nextTurn`, so that twenty writers (and
 * the batches still running) share its turns instead of each holding the loop for its slice in the
 * same turn; `setImmediate` when absent.
 */
export async function writeJsonInTurns(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  writeTimeoutMs: number,
  turn: () => Promise<unknown> = nextTurn,
): Promise<void> {
  const answer = wholeOrChunks(body, turn);
  // One write timeout for the whole answer: what the reader took in one wait carries it through the next.
  const watch = streamWriteWatch(res, writeTimeoutMs);
  if (typeof answer === 'string') {
    // Small enough to go whole, with its length (as text: node copies it once, into the socket).
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(answer)) });
    // Over HTTP/2 in pieces: the stream's own progress is seen only as whole writes go (see writeInPieces).
    if (!(await endInPieces(res, answer, () => drainedWithin(res, watch)))) return;
  } else {
    res.writeHead(status, headers);
    // HEAD over HTTP/2: node ended the stream with its headers; none of the body is made.
    if (headOverHttp2(res)) {
      res.end();
      return;
    }
    for await (const chunk of answer) {
      if (responseGone(res)) return;
      // A socket that takes the bytes at once drains in the same turn (node emits 'drain' on its
      // next tick): waiting for it is no turn of the event loop, only the chunks' time check is.
      // A client that falls behind (its socket took nothing for writeTimeoutMs, see WriteWatch) has
      // its connection destroyed (the loop then stops).
      const wrote = writeInPieces(res, chunk, () => drainedWithin(res, watch));
      if (wrote === false) await drainedWithin(res, watch).catch(() => undefined);
      else if (wrote !== true) await wrote.catch(() => undefined);
    }
    if (responseGone(res)) return;
    res.end();
  }
  flushedWithin(res, watch);
}

/**
 * The JSON text of a body, for a framework that sends strings or streams (the Fastify mount): up to
 * {@link WHOLE} characters the text itself; beyond, a stream of chunks made as the client reads
 * (letting other work run every 2 ms, through `turn` as in {@link writeJsonInTurns}),
 * so the whole text never exists at once.
 */
export function jsonTextOrStream(body: unknown, turn: () => Promise<unknown> = nextTurn): string | Readable {
  const answer = wholeOrChunks(body, turn);
  return typeof answer === 'string' ? answer : Readable.from(answer, { objectMode: false });
}
