import { RestBatchError } from '../errors/restbatch-error.js';

/** Limits checked on JSON text before it is parsed. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string, in UTF-16 code units of the source text. */
  maxStringLength: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;

/**
 * One linear pass over JSON text that rejects nesting and string lengths over the limits before
 * `JSON.parse` allocates anything. It trusts the parser for everything else.
 */
export function checkJsonLimits(text: string, limits: JsonLimits): void {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = closingQuote(text, start);
      if (i - start - 1 > limits.maxStringLength) {
        throw new RestBatchError(
          'STRING_TOO_LONG',
          `A string at position ${start} is longer than the limit of ${limits.maxStringLength} characters`,
          { details: { position: start, limit: limits.maxStringLength } },
        );
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) {
        throw new RestBatchError('JSON_TOO_DEEP', `JSON nesting exceeds the limit of ${limits.maxDepth} levels`, {
          details: { position: i, limit: limits.maxDepth },
        });
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/**
 * The index of the quote that closes the string opening at `start` (the text's length when none
 * does): native `indexOf` jumps over the string, and a quote preceded by an odd run of
 * backslashes is escaped, so the search goes on past it.
 */
function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at >= 0) {
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}
