/** How an `Accept` header weighs one media type (see {@link acceptWeight}). */
export interface AcceptWeight {
  /** The quality value, 0 (not acceptable) to 1. */
  readonly q: number;
  /** Whether the range that decided `q` names the type itself (`application/json`), not a wildcard (`*\/*`, `application/*`). */
  readonly named: boolean;
}

/** One media range of an `Accept` header: `type/subtype` in lower case, and its weight. */
interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** What no `Accept` header means (RFC 9110 §12.5.1: "will accept any media type"). */
const ANY: AcceptWeight = Object.freeze({ q: 1, named: false });
const NONE: AcceptWeight = Object.freeze({ q: 0, named: false });
// RFC 9110 §5.6.2 token, §12.4.2 weight (0 to 1, at most three decimals).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const WEIGHT = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * How `accept` weighs the media type `type` (`application/json`), as RFC 9110 §12.5.1 says: the
 * most specific range that matches it decides ("If more than one media range applies to a given
 * type, the most specific reference has precedence"): `application/json` over `application/*` over
 * `*\/*`, so `application/json;q=0, *\/*` refuses JSON and accepts every other type. Ranges as
 * specific as each other give the highest of their weights. A range's parameters other than `q` do
 * not restrict what it matches: restbatch answers one form of each media type and says which in
 * its `Content-Type` (OData's `metadata=...` in `Accept` asks for a shape, and is answered with the
 * one the service writes). No header, or an empty one, accepts every type; a range that is not
 * `type/subtype` or whose `q` is not a weight is ignored.
 */
export function acceptWeight(accept: string | null | undefined, type: string): AcceptWeight {
  if (accept == null || accept.trim() === '') return ANY;
  const slash = type.indexOf('/');
  const wantedType = type.slice(0, slash).toLowerCase();
  const wantedSubtype = type.slice(slash + 1).toLowerCase();
  let best = -1;
  let q = 0;
  for (const range of parseAccept(accept)) {
    let specificity: number;
    if (range.type === wantedType && range.subtype === wantedSubtype) specificity = 2;
    else if (range.type === wantedType && range.subtype === '*') specificity = 1;
    else if (range.type === '*' && range.subtype === '*') specificity = 0;
    else continue;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    } else if (specificity === best && range.q > q) q = range.q;
  }
  return best < 0 ? NONE : { q, named: best === 2 };
}

/**
 * The media ranges of an `Accept` value (RFC 9110 §12.5.1): comma-separated `type/subtype` with
 * `;`-separated parameters, whose values may be quoted strings holding commas and semicolons.
 */
function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const element of splitOutsideQuotes(accept, ',')) {
    const [mediaRange = '', ...params] = splitOutsideQuotes(element, ';');
    const slash = mediaRange.indexOf('/');
    const type = mediaRange.slice(0, slash).trim().toLowerCase();
    const subtype = mediaRange
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype) || (type === '*' && subtype !== '*')) continue;
    let q = 1;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      // `q` ends the media range's own parameters (accept-ext may follow): the first one counts.
      const value = param.slice(eq + 1).trim();
      q = WEIGHT.test(value) ? Number(value) : Number.NaN;
      break;
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** `text` split at each `separator` that is not inside a quoted string (a `\` escapes the next character there). */
function splitOutsideQuotes(text: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
