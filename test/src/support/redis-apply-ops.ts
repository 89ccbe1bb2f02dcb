/** One op of the Redis store's APPLY script: its op letter, collection, entry key and JSON ('' when not sent). */
export interface ApplyOp {
  op: string;
  collection: string;
  key: string;
  json: string;
}

/**
 * The ops an EVALSHA or EVAL call of the Redis store's APPLY script carries, in order, or undefined
 * for any other script. APPLY takes one key (the session's data key) and ARGV = the collection
 * prefix, the ops as one JSON array, the session cap, then the write guard's own ARGV. A run of
 * writes to one entry (`r`, collection, key, last JSON, steps, then each step's op and JSON
 * length) is listed as its steps: only the last one's JSON travels.
 */
export function applyOps(args: readonly unknown[]): ApplyOp[] | undefined {
  const packed = args[4];
  if (args[1] !== 1 || !String(args[3]).endsWith(':c:') || typeof packed !== 'string' || !packed.startsWith('[')) return undefined;
  const list = JSON.parse(packed) as Array<string | number>;
  const ops: ApplyOp[] = [];
  let i = 0;
  while (i < list.length) {
    const [op, collection, key, json] = list.slice(i, i + 4) as [string, string, string, string];
    if (op !== 'r') {
      ops.push({ op, collection, key, json });
      i += 4;
      continue;
    }
    const steps = list[i + 4] as number;
    for (let step = 1; step <= steps; step++) {
      ops.push({ op: list[i + 3 + 2 * step] as string, collection, key, json: step === steps ? json : '' });
    }
    i += 5 + 2 * steps;
  }
  return ops;
}
