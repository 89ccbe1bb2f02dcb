import { RestBatchError } from '../errors/restbatch-error.js';

const SINGLE = 39;
const DOUBLE = 34;
const BACKSLASH = 92;
/** Code units turned into a string at a time (well under the arguments a call may take). */
const CHUNK = 8192;

/**
 * Rewrites single-quoted strings (`{'Url':'Sessions'}`, as Exago's curl example sends) into
 * standard JSON strings: `\'` becomes `'`, a `"` is escaped, other escapes are kept as they are.
 * Double-quoted strings pass through untouched; everything else is left for the strict parser to
 * judge. One pass that writes code units into one buffer, made into a string in a few large
 * pieces: linear, whatever the body holds. Building the text a character at a time (or a slice per
 * quote) made a string per piece, and a 1 MB body held the event loop 0.2–0.44 s.
 */
export function singleQuotesToJson(text: string): string {
  if (!text.includes("'")) return text;
  const length = text.length;
  // Never longer than twice the text: only a `"` inside a single-quoted string grows (to `\"`).
  const out = new Uint16Array(length * 2);
  let o = 0;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === DOUBLE) {
      // Copied as it is, escapes with it, to its closing quote (or the end: the parser judges it).
      out[o++] = c;
      for (i++; i < length; i++) {
        const d = text.charCodeAt(i);
        out[o++] = d;
        if (d === DOUBLE) break;
        if (d === BACKSLASH && i + 1 < length) out[o++] = text.charCodeAt(++i);
      }
      i++;
    } else if (c === SINGLE) {
      const start = i;
      out[o++] = DOUBLE;
      for (i++; ; i++) {
        if (i >= length) throw unterminated(start);
        const d = text.charCodeAt(i);
        if (d === SINGLE) break;
        if (d === DOUBLE) {
          out[o++] = BACKSLASH;
          out[o++] = DOUBLE;
        } else if (d === BACKSLASH) {
          // `\'` is a quote; any other escape stays as written, with the unit it escapes. A
          // backslash that ends the text escapes nothing: the string never closes.
          if (i + 1 >= length) throw unterminated(start);
          const next = text.charCodeAt(++i);
          if (next !== SINGLE) out[o++] = BACKSLASH;
          out[o++] = next;
        } else out[o++] = d;
      }
      out[o++] = DOUBLE;
      i++;
    } else {
      out[o++] = c;
      i++;
    }
  }
  let result = '';
  for (let from = 0; from < o; from += CHUNK) {
    result += String.fromCharCode.apply(null, out.subarray(from, Math.min(o, from + CHUNK)) as unknown as number[]);
  }
  return result;
}

function unterminated(start: number): RestBatchError {
  return new RestBatchError('JSON_MALFORMED', `Unterminated single-quoted string at position ${start}`, {
    details: { position: start },
  });
}
