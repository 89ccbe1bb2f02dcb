/** From this length a string is searched with {@link NEEDS_ESCAPE}; a shorter one is read unit by unit (cheaper than the regex call). */
const SEARCH_FROM = 16;
/** 1 for each ASCII code unit JSON.stringify writes as itself (one load per unit, where four compares took more). */
const AS_IS = new Uint8Array(128);
for (let c = 0x20; c < 128; c++) AS_IS[c] = c === 0x22 || c === 0x5c ? 0 : 1;
/** A code unit JSON.stringify does not write as itself: `"`, `\`, a control character, a surrogate (lone ones are escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Characters (UTF-16 code units) of the JSON text `JSON.stringify(value)` writes for a string,
 * quotes included: `"` and `\` take 2, as do `\b \f \n \r \t`; any other control character takes 6
 * (`\u0001`), as does a lone surrogate (well-formed JSON.stringify); everything else 1. It runs on
 * every string of every result, so a string with nothing to escape (nearly all) costs one scan.
 */
export function jsonStringLength(value: string): number {
  const length = value.length;
  if (length < SEARCH_FROM) {
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c < 128 ? AS_IS[c] === 0 : (c & 0xf800) === 0xd800) return escapedLength(value, i);
    }
    return length + 2;
  }
  return NEEDS_ESCAPE.test(value) ? escapedLength(value, 0) : length + 2;
}

/** {@link jsonStringLength} of a string that may have units to escape, from `from` on (none before it). */
function escapedLength(value: string, from: number): number {
  const length = value.length;
  let size = length + 2;
  for (let i = from; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20) {
      if (c === 0x22 || c === 0x5c) size += 1;
      else if ((c & 0xf800) === 0xd800) {
        // A high surrogate followed by a low one is a pair, written as it is; any other is escaped.
        if (c <= 0xdbff && i + 1 < length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
        else size += 5;
      }
    } else if (c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) size += 1;
    else size += 5;
  }
  return size;
}
