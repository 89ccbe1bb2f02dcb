import sjson from 'secure-json-parse';
import { RestBatchError } from '../errors/restbatch-error.js';
import { checkJsonLimits, type JsonLimits } from './check-json-limits.js';
import type { JsonShape } from './json-shape.js';
import { singleQuotesToJson } from './single-quotes-to-json.js';

/** Options of {@link parseJson}. */
export interface ParseJsonOptions extends JsonLimits {
  /** Accept single-quoted strings (Exago). */
  singleQuotes?: boolean;
  /**
   * Called with the shape of the value once the text passed the limits, before it is parsed: it
   * may throw to refuse the text (the engine charges the value's memory here, see `InputCharge`).
   */
  admit?: (shape: JsonShape) => void;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a request body: UTF-8 checked, limits checked before parsing, `__proto__` and
 * `constructor.prototype` keys removed (secure-json-parse), errors coded with the position.
 */
export function parseJson(raw: string | Uint8Array, options: ParseJsonOptions): unknown {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    try {
      text = decoder.decode(raw);
    } catch {
      throw new RestBatchError('JSON_MALFORMED', 'The body is not valid UTF-8');
    }
  }
  if (text.trim() === '') throw new RestBatchError('BATCH_MALFORMED', 'The body is empty');
  // Limits are checked on the converted text: single-quoted strings must count as strings, or a
  // `']]]'` inside one would hide real nesting and a long one would escape the length limit.
  if (options.singleQuotes) text = singleQuotesToJson(text);
  const shape = checkJsonLimits(text, options);
  options.admit?.(shape);
  try {
    // Without these spellings the text cannot hold either key: secure-json-parse's two regular
    // expressions (tried at every quote) would only confirm it. It also drops a leading BOM.
    if (text.charCodeAt(0) !== 0xfeff && !text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u'))
      return JSON.parse(text);
    return sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    throw new RestBatchError('JSON_MALFORMED', `Malformed JSON${position === undefined ? '' : ` at position ${position}`}: ${message}`, {
      details: position === undefined ? undefined : { position: Number(position) },
    });
  }
}
