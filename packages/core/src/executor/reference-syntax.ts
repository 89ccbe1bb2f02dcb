import { RestBatchError } from '../errors/restbatch-error.js';
import { quoted } from '../errors/excerpt.js';

/** One reference as written: the sub-request it names and a JSON pointer into its result. */
export interface Reference {
  /** An earlier sub-request's id, or its index when it has none. */
  readonly key: string;
  /** Decoded JSON pointer segments into `{status, headers, body}`. */
  readonly pointer: readonly string[];
  /** The reference as the client wrote it, for error messages. */
  readonly raw: string;
}

/**
 * A string with references: one whole-value reference (`whole`, with no `parts`), or literal text
 * and references in order (`parts`). One shape for both, so that resolving it stays monomorphic.
 */
export interface Template<R extends Reference = Reference> {
  readonly whole: R | undefined;
  readonly parts: ReadonlyArray<string | R>;
}

const NO_PARTS: readonly never[] = Object.freeze([]);

const WHOLE = '$ref:';
const ESCAPED_WHOLE = '$$ref:';
const DOLLAR = 36;
const BRACE = 123;
const KEY = /^[^\s/{}$]+$/;
const BAD_ESCAPE = /~[^01]|~$/;

/**
 * Turns `text.slice(start, end)` (between `${` and `}`, or after `$ref:`) into a reference;
 * `text.slice(rawStart, rawEnd)` is the reference as written. Positions, not substrings, so that a
 * parser can read the key and pointer in place.
 */
export type ReferenceParser<R extends Reference = Reference> = (
  text: string,
  start: number,
  end: number,
  rawStart: number,
  rawEnd: number,
) => R;

const parseInPlace: ReferenceParser = (text, start, end, rawStart, rawEnd) =>
  parseReference(text.slice(start, end), text.slice(rawStart, rawEnd));

/**
 * Parses one string of a sub-request. `"$ref:<key>/<pointer>"` is a whole-value reference,
 * `${<key>/<pointer>}` a reference inside a string; `$$ref:` and `$${` write them literally.
 * Returns undefined for a string with neither (the common case, decided by one indexOf).
 * Pure parsing: nothing here is ever evaluated. `reference` parses each reference (the pre-pass
 * passes a caching one that also binds the key).
 */
export function parseTemplate<R extends Reference = Reference>(
  text: string,
  reference: ReferenceParser<R> = parseInPlace as ReferenceParser<R>,
): Template<R> | undefined {
  let at = text.indexOf('$');
  if (at < 0) return undefined;
  if (at === 0 && text.startsWith(WHOLE)) return { whole: reference(text, WHOLE.length, text.length, 0, text.length), parts: NO_PARTS };
  if (at === 0 && text.startsWith(ESCAPED_WHOLE)) return { whole: undefined, parts: [text.slice(1)] };
  let parts: Array<string | R> | undefined;
  let literal = '';
  let from = 0;
  // Character codes, not substrings: this runs once per distinct string of every batch with a `$`.
  while (at >= 0) {
    const next = text.charCodeAt(at + 1);
    if (next === DOLLAR && text.charCodeAt(at + 2) === BRACE) {
      literal += `${text.slice(from, at)}\${`;
      from = at + 3;
      parts ??= [];
      at = text.indexOf('$', from);
    } else if (next === BRACE) {
      const end = text.indexOf('}', at + 2);
      if (end < 0) throw invalid(`The reference in ${quoted(text)} has no closing }; write $\${ for a literal \${`);
      parts ??= [];
      if (from < at) literal += text.slice(from, at);
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(reference(text, at + 2, end, at, end + 1));
      from = end + 1;
      at = text.indexOf('$', from);
    } else {
      at = text.indexOf('$', at + 1);
    }
  }
  if (parts === undefined) return undefined;
  if (from < text.length) literal += text.slice(from);
  if (literal !== '') parts.push(literal);
  return { whole: undefined, parts };
}

/** Parses `<key>` or `<key>/<json-pointer>` (RFC 6901: `~1` is `/`, `~0` is `~`). */
export function parseReference(body: string, raw: string): Reference {
  const slash = body.indexOf('/');
  const key = slash < 0 ? body : body.slice(0, slash);
  checkKey(key, raw);
  return { key, pointer: slash < 0 ? [] : parsePointer(body.slice(slash + 1), raw), raw };
}

/**
 * Whether `key` can name a sub-request: no spaces, `/`, `{`, `}` or `$`. It admits every OData
 * request id (Protocol §11.7.3: `request-id = 1*unreserved`, which includes `~`); a dialect that
 * writes its own reference to an id (OData's ETag `$<id>`) asks this, so the two never disagree.
 */
export function isReferenceKey(key: string): boolean {
  return KEY.test(key);
}

/** Throws unless `key` can name a sub-request (see {@link isReferenceKey}). */
export function checkKey(key: string, raw: string): void {
  if (!KEY.test(key)) throw invalid(`${quoted(raw)} does not name a sub-request: write $ref:<id-or-index>/<json-pointer>`);
}

/** Decodes the segments of a JSON pointer written without its leading `/`. */
export function parsePointer(text: string, raw: string): string[] {
  const pointer: string[] = [];
  for (const segment of text.split('/')) {
    if (segment.indexOf('~') < 0) pointer.push(segment);
    else if (BAD_ESCAPE.test(segment)) throw invalid(`${quoted(raw)} holds a bad JSON pointer escape (use ~0 for ~ and ~1 for /)`);
    else pointer.push(segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return pointer;
}

function invalid(message: string): RestBatchError {
  return new RestBatchError('REFERENCE_INVALID', message);
}
