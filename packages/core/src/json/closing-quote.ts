const BACKSLASH = 92;

/**
 * The index of the quote that closes the double-quoted JSON string opening at `start` (the text's
 * length when none does): native `indexOf` jumps over the string, and a quote preceded by an odd
 * run of backslashes is escaped, so the search goes on past it.
 */
export function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at >= 0) {
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}
