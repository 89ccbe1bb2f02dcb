/** Where the cursor is in a (possibly unfinished) JSON text, as completion needs it. */
export interface JsonContext {
  /** A property name is being typed, or a string value of property `key`. */
  readonly kind: 'key' | 'value';
  /** The property a value belongs to. */
  readonly key: string | undefined;
  /** Names and indexes from the root to the object the cursor is in. */
  readonly path: readonly (string | number)[];
  /** String values already written in each enclosing object, outermost first (parallel to `path` plus one). */
  readonly fields: readonly Record<string, string>[];
  /** What is typed of the string so far. */
  readonly prefix: string;
  /** The range a completion replaces: the string's content, or an empty range where no quote is open. */
  readonly start: number;
  readonly end: number;
  /** False where a completion must bring its own quotes. */
  readonly quoted: boolean;
}

interface Frame {
  readonly type: 'object' | 'array';
  /** This container's name in its parent. */
  readonly name: string | number | undefined;
  key: string | undefined;
  index: number;
  expectKey: boolean;
  readonly fields: Record<string, string>;
}

/** Scans `text` up to `offset` with a tolerant tokenizer; undefined where nothing can be completed. */
export function jsonContextAt(text: string, offset: number): JsonContext | undefined {
  const stack: Frame[] = [];
  const make = (kind: 'key' | 'value', prefix: string, start: number, end: number, quoted: boolean): JsonContext => {
    const top = stack[stack.length - 1]!;
    return {
      kind,
      key: kind === 'value' ? top.key : undefined,
      path: stack.slice(1).map((f) => f.name!),
      fields: stack.map((f) => f.fields),
      prefix,
      start,
      end,
      quoted,
    };
  };
  let i = 0;
  while (i < offset) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      if (offset <= j) {
        if (top?.type !== 'object') return undefined;
        return make(top.expectKey ? 'key' : 'value', text.slice(i + 1, offset), i + 1, text[j] === '"' ? j : offset, true);
      }
      const raw = text.slice(i + 1, j);
      if (top?.type === 'object' && top.expectKey) top.key = raw;
      else if (top?.type === 'object' && top.key !== undefined) top.fields[top.key] = raw;
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      const name = top === undefined ? undefined : top.type === 'object' ? top.key : top.index;
      stack.push({ type: c === '{' ? 'object' : 'array', name, key: undefined, index: 0, expectKey: c === '{', fields: {} });
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ':' && top?.type === 'object') top.expectKey = false;
    else if (c === ',' && top !== undefined) {
      if (top.type === 'object') {
        top.expectKey = true;
        top.key = undefined;
      } else top.index++;
    }
    i++;
  }
  const top = stack[stack.length - 1];
  if (top?.type !== 'object') return undefined;
  if (top.expectKey) return make('key', '', offset, offset, false);
  // Right after `"key":` with nothing typed yet: a value completion brings its quotes.
  const tail = text.slice(0, offset);
  if (/:\s*$/.test(tail)) return make('value', '', offset, offset, false);
  return undefined;
}
