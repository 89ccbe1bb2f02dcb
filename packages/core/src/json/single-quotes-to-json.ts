import { RestBatchError } from '../errors/restbatch-error.js';
import { closingQuote } from './closing-quote.js';

const SINGLE = 39;
const DOUBLE = 34;
const BACKSLASH = 92;
/** Code units turned into a string at a time (well under the arguments a call may take). */
const CHUNK = 8192;
/** The next quote of either kind, outside strings. */
const QUOTE = /["']/g;
/** What a single-quoted string changes: its end, a `"` to escape, an escape to read. */
const IN_SINGLE = /['"\\]/g;

/**
 * Rewrites single-quoted strings (`{'Url':'Sessions'}`, as Exago's curl example sends) into
 * standard JSON strings: `\'` becomes `'`, a `"` is escaped, other escapes are kept as they are.
 * Double-quoted strings pass through untouched; everything else is left for the strict parser to
 * judge. Linear whatever the body holds: the text is copied in runs (slices between the places that
 * change, found by native searches) while the runs are long, else code unit by code unit into one
 * buffer. Building it a character at a time made a string per character: one `'` in a 1 MB body
 * held the event loop 0.2–0.44 s.
 */
export function singleQuotesToJson(text: string): string {
  if (!text.includes("'")) return text;
  // Each piece costs a string and its share of joining them: past one per 64 characters on
  // average, one buffer of code units is cheaper.
  return bySlices(text, 64 + (text.length >> 6)) ?? byCodes(text);
}

/** The rewrite in slices between the places that change; undefined once it would take more than `maxPieces`. */
function bySlices(text: string, maxPieces: number): string | undefined {
  const length = text.length;
  const out: string[] = [];
  // The text from `copied` on is not in `out` yet.
  let copied = 0;
  let at = 0;
  for (;;) {
    QUOTE.lastIndex = at;
    if (at >= length || !QUOTE.test(text)) break;
    const quote = QUOTE.lastIndex - 1;
    if (text.charCodeAt(quote) === DOUBLE) {
      // Kept as it is: copied with the run it belongs to.
      at = closingQuote(text, quote) + 1;
      continue;
    }
    out.push(text.slice(copied, quote), '"');
    let run = quote + 1;
    let i = run;
    for (;;) {
      if (out.length > maxPieces) return undefined;
      IN_SINGLE.lastIndex = i;
      if (!IN_SINGLE.test(text)) throw unterminated(quote);
      const found = IN_SINGLE.lastIndex - 1;
      const c = text.charCodeAt(found);
      if (c === SINGLE) {
        out.push(text.slice(run, found), '"');
        i = found + 1;
        break;
      }
      if (c === DOUBLE) {
        out.push(text.slice(run, found), '\\"');
        run = i = found + 1;
      } else if (found + 1 >= length) {
        // A backslash that ends the text escapes nothing: the string never closes.
        throw unterminated(quote);
      } else if (text.charCodeAt(found + 1) === SINGLE) {
        out.push(text.slice(run, found), "'");
        run = i = found + 2;
      } else {
        // Any other escape stays as written, with the unit it escapes.
        i = found + 2;
      }
    }
    copied = at = i;
  }
  out.push(text.slice(copied));
  return out.join('');
}

/** The rewrite code unit by code unit into one buffer, made into a string in a few large pieces. */
function byCodes(text: string): string {
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
