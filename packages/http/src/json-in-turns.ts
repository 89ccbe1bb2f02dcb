import { jsonWholeOrChunks, WHOLE_JSON_CHARS } from '@restbatch/core';
import { nextTurn } from './next-turn.js';

// The JSON of a large answer made in turns (core's jsonWholeOrChunks, which the WebSocket transport
// shares): the node handler writes it to its socket (write-json-in-turns.ts), the fetch handler
// hands it to the runtime as a stream.

/** Characters of an answer that still goes whole, with its `Content-Length` (about a millisecond of JSON). */
export const WHOLE = WHOLE_JSON_CHARS;

/**
 * Whether an answer may be large enough to be written in chunks: a batch whose results hold
 * {@link WHOLE} characters or more (its answer's envelope adds some), or any answer whose size the
 * engine did not count. A small batch answer is then written with one `JSON.stringify`, as fast as before.
 */
export function mayBeLarge(response: { resultChars?: number }): boolean {
  return response.resultChars === undefined || response.resultChars >= WHOLE / 2;
}

/**
 * The JSON text of `body`: up to {@link WHOLE} characters the text itself (one walk, as fast as one
 * `JSON.stringify`); beyond, its chunks of about 64 Ki characters, made as they are asked for and
 * letting other work run every 2 ms, so the whole text never exists at once.
 */
export function wholeOrChunks(body: unknown, turn: () => Promise<unknown> = nextTurn): string | AsyncGenerator<string> {
  return jsonWholeOrChunks(body, turn);
}
