import { nextTurn } from './next-turn.js';

// The JSON of a large answer made in turns, with no Node built-in: the node handler writes it to
// its socket (write-json-in-turns.ts), the fetch handler hands it to the runtime as a stream.

/** Characters of an answer that still goes whole, with its `Content-Length` (about a millisecond of JSON). */
export const WHOLE = 1024 * 1024;

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
export function wholeOrChunks(body: unknown, turn: () => Promise<unknown> = nextTurn): string | AsyncGenerator<string> {
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
