// The JSON of a large answer made in turns, with no Node built-in: the HTTP transports write it to
// their socket or hand it to the runtime as a stream, the WebSocket transport sends it as the
// fragments of one message. Shared here so that every transport makes the same text.

/** Characters of JSON that still go whole, made with one walk (about a millisecond of JSON). */
export const WHOLE_JSON_CHARS = 1024 * 1024;
/** Characters gathered before each chunk once the text goes in chunks. */
const CHUNK = 64 * 1024;
/** Longest time the maker holds the event loop before it lets other work run. */
const SLICE_MS = 2;
/** Characters of a run of items written whole below which the next run takes twice as many items. */
const RUN_CHARS = 16 * 1024;
/** Most items in one run. */
const MAX_RUN = 1024;

/**
 * The JSON text of `value` in pieces, the same text `JSON.stringify(value)` makes. Arrays are opened
 * (each item a piece) down to `levels` deep, plain objects (each member a piece) one level less:
 * the items of a large answer sit in arrays (a batch answer's `responses`, a WebSocket message's
 * `body.responses`), and what lies deeper is written whole. A value with a `toJSON` is one piece
 * (JSON.stringify calls it with the key `''`, or its index in a run of items, not its member's name:
 * no answer of the engine has one).
 */
function* jsonPieces(value: unknown, levels: number): Generator<string> {
  if (!opens(value, levels)) {
    yield JSON.stringify(value) ?? 'null';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    // Items written whole go in runs, one JSON.stringify per run (a call per item cost a WebSocket
    // server a quarter of its time): a run grows while its text stays short and shrinks when it
    // does not, so that a piece stays near RUN_CHARS whatever the items weigh.
    let run = 1;
    for (let i = 0; i < value.length; ) {
      const item: unknown = value[i];
      const comma = i === 0 ? '' : ',';
      if (opens(item, levels - 1)) {
        if (comma !== '') yield comma;
        yield* jsonPieces(item, levels - 1);
        i++;
        continue;
      }
      let end = i + 1;
      while (end < value.length && end - i < run && !opens(value[end], levels - 1)) end++;
      // An item JSON cannot write (undefined, a function) is `null` in an array, as JSON.stringify
      // writes it; a run is the text of its slice less the brackets, the same items and commas.
      const text = end === i + 1 ? (JSON.stringify(item) ?? 'null') : (JSON.stringify(value.slice(i, end)) as string).slice(1, -1);
      yield comma + text;
      run = text.length < RUN_CHARS ? Math.min(run * 2, MAX_RUN) : Math.max(1, run >> 1);
      i = end;
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  const members = value as Record<string, unknown>;
  for (const key of Object.keys(members)) {
    const member = members[key];
    const opened = opens(member, levels - 1);
    // A member JSON leaves out: undefined, a function, a symbol (or a toJSON that answers one of them).
    const text = opened ? undefined : JSON.stringify(member);
    if (!opened && text === undefined) continue;
    const name = `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (text === undefined) {
      yield name;
      yield* jsonPieces(member, levels - 1);
    } else yield name + text;
  }
  yield '}';
}

/** Whether `value` is made piece by piece `levels` deep: an array while levels are left, a plain object while two are. */
function opens(value: unknown, levels: number): boolean {
  if (Array.isArray(value)) return levels > 0 && !hasToJson(value);
  return levels > 1 && isPlainObject(value);
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** An object JSON writes as its own enumerable members: `{}`-made or without a prototype, and without a `toJSON`. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && !hasToJson(value);
}

/**
 * The JSON text of `value` (the text `JSON.stringify` makes): up to {@link WHOLE_JSON_CHARS}
 * characters the text itself (one walk, as fast as one `JSON.stringify`); beyond, its chunks of
 * about 64 Ki characters (the first holds the first {@link WHOLE_JSON_CHARS}), made as they are asked
 * for and letting other work run every 2 ms through `turn` (a transport passes the engine's
 * `nextTurn`), so the whole text never exists at once. Arrays are made item by item down to
 * `levels` deep, plain objects member by member one level less (2: a batch answer's
 * `responses`; a transport that wraps the answer in a message of its own passes one more).
 * A chunk never ends inside an item of an opened array, so never between the two halves of a
 * surrogate pair; the time between two checks counts what the reader did with a chunk too.
 */
export function jsonWholeOrChunks(value: unknown, turn: () => Promise<unknown>, levels = 2): string | AsyncGenerator<string> {
  const pieces = jsonPieces(value, levels);
  let text = '';
  for (let next = pieces.next(); !next.done; next = pieces.next()) {
    text += next.value;
    if (text.length >= WHOLE_JSON_CHARS) return chunksAfter(text, pieces, turn);
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
