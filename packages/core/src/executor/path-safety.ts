import { RestBatchError } from '../errors/restbatch-error.js';
import { subRequestName } from './sub-request-name.js';

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;
const BACKSLASH = 92;
const DELETE = 0x7f;

/**
 * Rejects a sub-request path that could escape its resource or confuse a router: it must start
 * with `/` and hold no dot segments, doubled slashes, backslashes or control characters.
 */
export function assertSafePath(path: string, index: number, name?: string): void {
  if (!isSafePath(path)) {
    // A sub-request is named by its id where it has one (OData), else by its index.
    const where = index >= 0 ? `Sub-request ${subRequestName(name, index)}: ` : '';
    throw new RestBatchError('INVALID_PATH', `${where}path is not a plain resource path`);
  }
}

/**
 * One pass over the path, segment by segment (a regular expression made the same checks at about
 * four times the cost, and every sub-request pays it): no `.` or `..` segment, literal or encoded
 * (`%2e`); no empty segment but a trailing one; no backslash, literal or encoded (`%5c`); no
 * control character, literal or encoded (`%00`–`%1f`, `%7f`).
 */
export function isSafePath(path: string): boolean {
  const length = path.length;
  if (length === 0 || path.charCodeAt(0) !== SLASH) return false;
  // Dot units (`.` or `%2e`) of the segment so far; -1 once it holds anything else.
  let dots = 0;
  let start = 1;
  for (let i = 1; i < length; i++) {
    const c = path.charCodeAt(i);
    if (c === SLASH) {
      if (i === start || dots > 0) return false;
      start = i + 1;
      dots = 0;
    } else if (c === DOT) {
      if (dots >= 0) dots = dots < 2 ? dots + 1 : -1;
    } else if (c === PERCENT) {
      const high = hexValue(path.charCodeAt(i + 1));
      const low = hexValue(path.charCodeAt(i + 2));
      if (high < 0 || low < 0) {
        dots = -1;
        continue;
      }
      const byte = high * 16 + low;
      if (byte < 0x20 || byte === DELETE || byte === BACKSLASH) return false;
      if (byte === DOT) {
        if (dots >= 0) dots = dots < 2 ? dots + 1 : -1;
        i += 2;
      } else dots = -1;
    } else if (c < 0x20 || c === DELETE || c === BACKSLASH) return false;
    else dots = -1;
  }
  return dots <= 0;
}

/** The value of a hexadecimal digit's code (either case); -1 for any other (NaN past the end too). */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}
