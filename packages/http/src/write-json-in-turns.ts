import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { drainedWithin, flushedWithin } from './write-timeout.js';

/** Characters of an answer that still goes whole, with its `Content-Length` (about a millisecond of JSON). */
const WHOLE = 1024 * 1024;

/**
 * Whether an answer may be large enough to be written in chunks: a batch whose results hold
 * {@link WHOLE} characters or more (its answer's envelope adds some), or any answer whose size the
 * engine did not count. A small batch answer is then written with one `JSON.stringify`, as fast as before.
 */
export function mayBeLarge(response: { resultChars?: number }): boolean {
  return response.resultChars === undefined || response.resultChars >= WHOLE / 2;
}
/** Characters gathered before each write once the answer goes in chunks. */
const CHUNK = 64 * 1024;
/** Longest time the writer holds the event loop before it lets other work run. */
const SLICE_MS = 2;

/**
 * The JSON text of `body` in pieces, the same text `JSON.stringify(body)` makes: an array's items
 * (at the top, or as a member of a top-level plain object: a batch answer's `responses`) one by
 * one, anything else whole. A body with a `toJSON` is one piece.
 */
function* jsonPieces(body: unknown): Generator<string> {
  if (Array.isArray(body)) {
    yield* arrayPieces(body);
    return;
  }
  if (body === null || typeof body !== 'object' || typeof (body as { toJSON?: unknown }).toJSON === 'function') {
    yield JSON.stringify(body) ?? 'null';
    return;
  }
  yield '{';
  let first = true;
  for (const key of Object.keys(body)) {
    const value = (body as Record<string, unknown>)[key];
    // Members JSON leaves out.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (Array.isArray(value)) yield* arrayPieces(value);
    else yield JSON.stringify(value) ?? 'null';
  }
  yield '}';
}

function* arrayPieces(items: readonly unknown[]): Generator<string> {
  yield '[';
  for (let i = 0; i < items.length; i++) {
    // An item JSON cannot write (undefined, a function) is `null` in an array, as JSON.stringify writes it.
    yield (i === 0 ? '' : ',') + (JSON.stringify(items[i]) ?? 'null');
  }
  yield ']';
}

/**
 * The JSON text of `body`: up to {@link WHOLE} characters the text itself (one walk, as fast as one
 * `JSON.stringify`); beyond, its chunks of about {@link CHUNK} characters, made as they are asked
 * for and letting other work run every {@link SLICE_MS}, so the whole text never exists at once.
 */
function wholeOrChunks(body: unknown, turn: () => Promise<unknown>): string | AsyncGenerator<string> {
  const pieces = jsonPieces(body);
  let text = '';
  for (let next = pieces.next(); !next.done; next = pieces.next()) {
    text += next.value;
    if (text.length >= WHOLE) return chunksAfter(text, pieces, turn);
  }
  return text;
}

async function* chunksAfter(
  head: string,
  pieces: Iterator<string> & Iterable<string>,
  turn: () => Promise<unknown>,
): AsyncGenerator<string> {
  yield head;
  let chunk = '';
  let since = performance.now();
  let n = 0;
  // The time between two checks counts what the reader did with a chunk (a socket write) too.
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= CHUNK) {
      yield chunk;
      chunk = '';
    }
    if ((++n & 3) === 0 && performance.now() - since > SLICE_MS) {
      await turn();
      since = performance.now();
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Writes a JSON answer without holding the event loop or memory for its whole text: an answer of
 * up to {@link WHOLE} characters goes whole with its `Content-Length`, as before; a larger one is
 * written chunk by chunk (chunked transfer coding), waiting for the socket to drain and letting
 * other work run every {@link SLICE_MS}. Twenty concurrent 31 MB answers made with one `JSON.stringify`
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
      // A client that reads nothing for writeTimeoutMs has its connection destroyed (the loop then stops).
      if (!res.write(chunk)) await drainedWithin(res, writeTimeoutMs).catch(() => undefined);
    }
    if (res.destroyed) return;
    res.end();
  }
  flushedWithin(res, writeTimeoutMs);
}

/**
 * The JSON text of a body, for a framework that sends strings or streams (the Fastify mount): up to
 * {@link WHOLE} characters the text itself; beyond, a stream of chunks made as the client reads
 * (letting other work run every {@link SLICE_MS}, through `turn` as in {@link writeJsonInTurns}),
 * so the whole text never exists at once.
 */
export function jsonTextOrStream(body: unknown, turn: () => Promise<unknown> = nextTurn): string | Readable {
  const answer = wholeOrChunks(body, turn);
  return typeof answer === 'string' ? answer : Readable.from(answer, { objectMode: false });
}
