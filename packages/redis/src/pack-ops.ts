import { jsonStringLength } from '@restbatch/core';

// A `\uD800`-`\uDFFF` escape that JSON.stringify wrote for a lone surrogate (or one of a value's own escapes).
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The ops of an APPLY script and their sizes, each as the one JSON argument the script takes. */
export interface PackedOps {
  ops: string;
  sizes: string;
}

/**
 * The ops of an APPLY script (four strings per op: op, collection, entry key, value) as its two
 * JSON arguments: the ops, and two sizes per op, its key's and its value's (see `keySize`; a
 * value's size is its JSON's length). With `runs`, two or more writes in a row to one entry
 * travel as one run (see {@link withRuns}). A lone surrogate is sent as U+FFFD, as it would be as
 * an argument of its own (Redis's JSON decoder refuses its escape); the sizes are the same.
 */
export function packOps(args: readonly string[], runs: boolean): PackedOps {
  const ops = runs ? withRuns(args) : args;
  let sizes = '';
  for (let i = 0; i < ops.length; ) {
    const op = ops[i] as string;
    sizes += `${i === 0 ? '' : ','}${keySize(ops[i + 2] as string)},${(ops[i + 3] as string).length}`;
    i += op === 'r' ? 8 : 4;
  }
  const packed = JSON.stringify(ops);
  return {
    ops: SURROGATE_ESCAPE.test(packed)
      ? JSON.stringify(ops.map((arg) => (typeof arg === 'string' ? arg.replace(LONE_SURROGATE, '\uFFFD') : arg)))
      : packed,
    sizes: `[${sizes}]`,
  };
}

/**
 * What a key adds to its entry's size, as the memory store counts it (core's `memberSize`): its
 * JSON string's UTF-16 code units and 2, i.e. the member's size less its value's JSON.
 */
export function keySize(key: string): number {
  return jsonStringLength(key) + 2;
}

/**
 * `args` with each run of two or more writes in a row ('s', 'a', 'd') to one entry as one op:
 * `'r', collection, key, <the last write's JSON, '' when it deletes>, <writes>, <the first one's op>,
 * <the size (UTF-16 length) of the longest JSON they write, -1 for none>, <how many add the entry
 * back after a delete>`. From these the script checks the writes as it would one by one (an add
 * that meets a present entry, the session cap) without the JSON of those the run overwrites, which
 * is most of what an entry POSTed, PATCHed and DELETEd in one batch would send. A run never starts
 * right after an 'i' guard (which may skip just the one write after it), and an add inside a run
 * comes right after a delete (the batch's view has the entry absent only then; another add ends the run).
 */
function withRuns(args: readonly string[]): Array<string | number> {
  const out: Array<string | number> = [];
  const n = args.length;
  let i = 0;
  while (i < n) {
    const op = args[i] as string;
    const collection = args[i + 1] as string;
    const key = args[i + 2] as string;
    let end = i + 4;
    if (isWrite(op) && (i === 0 || args[i - 4] !== 'i')) {
      while (
        end < n &&
        isWrite(args[end] as string) &&
        args[end + 2] === key &&
        args[end + 1] === collection &&
        (args[end] !== 'a' || args[end - 4] === 'd')
      ) {
        end += 4;
      }
    }
    if (end - i === 4) {
      out.push(op, collection, key, args[i + 3] as string);
    } else {
      let longest = -1;
      let readded = 0;
      for (let j = i; j < end; j += 4) {
        if (args[j] === 'd') continue;
        longest = Math.max(longest, (args[j + 3] as string).length);
        if (j > i && args[j - 4] === 'd') readded++;
      }
      const last = args[end - 4] === 'd' ? '' : (args[end - 1] as string);
      out.push('r', collection, key, last, (end - i) / 4, op, longest, readded);
    }
    i = end;
  }
  return out;
}

function isWrite(op: string): boolean {
  return op === 's' || op === 'a' || op === 'd';
}
