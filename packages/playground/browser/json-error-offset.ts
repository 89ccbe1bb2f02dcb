// Browsers' JSON.parse messages differ (and V8's name no position for a trailing comma), so the
// page finds the offending character itself with a small scan of the JSON grammar.

const WS = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const STRING_SPAN = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class Stop {
  constructor(readonly offset: number) {}
}

/** The offset of the first character that makes `text` invalid JSON (its length when it ends too early), or `undefined` when it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const space = () => {
    while (WS.has(text[i]!)) i++;
  };
  const match = (re: RegExp) => {
    re.lastIndex = i;
    return re.exec(text)?.[0];
  };
  const value = (depth: number): void => {
    space();
    // Deeper than this is refused where it starts (the scan recurses; the browser's stack is finite).
    if (depth > 1000) throw new Stop(i);
    const c = text[i];
    if (c === '{' || c === '[') {
      container(c, depth);
      return;
    }
    if (c === '"') {
      const s = match(STRING);
      // The bad character inside the string: an unescaped control character, a bad escape, or the end.
      if (s === undefined) throw new Stop(i + match(STRING_SPAN)!.length);
      i += s.length;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    const n = c === '-' || (c !== undefined && c >= '0' && c <= '9') ? match(NUMBER) : undefined;
    if (n === undefined) throw new Stop(i);
    i += n.length;
  };
  const container = (open: '{' | '[', depth: number): void => {
    const close = open === '{' ? '}' : ']';
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (open === '{') {
        space();
        if (text[i] !== '"') throw new Stop(i);
        value(depth + 1);
        space();
        if (text[i] !== ':') throw new Stop(i);
        i++;
      }
      value(depth + 1);
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') throw new Stop(i);
      i++;
    }
  };
  try {
    value(0);
    space();
    return i < text.length ? i : undefined;
  } catch (stop) {
    if (stop instanceof Stop) return Math.min(stop.offset, text.length);
    throw stop;
  }
}
