/**
 * The text of the member `name` of the JSON object `text` (already known to be valid JSON), as sent;
 * the last one when the name repeats (as JSON.parse keeps), `undefined` when there is none. Read
 * without recursion, so a body nested deeper than the stack allows is cut out all the same.
 */
export function memberText(text: string, name: string): string | undefined {
  let found: string | undefined;
  let i = skipSpace(text, 0) + 1; // past `{`
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] !== '"') return found;
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = skipSpace(text, skipSpace(text, keyEnd) + 1); // past `:`
    const end = valueEnd(text, start);
    if (key === name) found = text.slice(start, end);
    i = skipSpace(text, end);
    if (text[i] !== ',') return found;
    i++;
  }
}

const SPACE = /[ \t\r\n]*/y;
const SCALAR = /[^,\]} \t\r\n]*/y;

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.test(text);
  return SPACE.lastIndex;
}

/** The end of the string that opens at `at`: past the first quote not escaped (a loop, not a regex: strings may be megabytes). */
function stringEnd(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text[quote - 1 - slashes] === '\\') slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The end of the value at `at`: a string, a scalar, or an array or object matched by counting brackets. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first !== '[' && first !== '{') {
    SCALAR.lastIndex = at;
    SCALAR.test(text);
    return SCALAR.lastIndex;
  }
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return i;
}
