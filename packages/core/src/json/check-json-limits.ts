import { RestBatchError } from '../errors/restbatch-error.js';
import { closingQuote } from './closing-quote.js';
import type { JsonShape } from './json-shape.js';

/** Limits checked on JSON text before it is parsed. */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Longest string, in UTF-16 code units of the source text. */
  maxStringLength: number;
}

const QUOTE = 34;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

/**
 * One linear pass over JSON text that rejects nesting and string lengths over the limits before
 * `JSON.parse` allocates anything. It trusts the parser for everything else. Returns the shape of
 * what the parser will make (its containers, values and members: see {@link JsonShape}), counted on
 * the way, so that its memory can be charged before it exists.
 */
export function checkJsonLimits(text: string, limits: JsonLimits): JsonShape {
  let depth = 0;
  let containers = 0;
  let commas = 0;
  let members = 0;
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
    } else if (c === COMMA) {
      commas++;
    } else if (c === COLON) {
      members++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      containers++;
      if (++depth > limits.maxDepth) {
        throw new RestBatchError('JSON_TOO_DEEP', `JSON nesting exceeds the limit of ${limits.maxDepth} levels`, {
          details: { position: i, limit: limits.maxDepth },
        });
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  // Outside strings a comma only separates values, a colon only a key from its value (the parser
  // refuses any other use): each value after the first of its container has a comma, the first a container.
  return { containers, values: commas + containers, members };
}
