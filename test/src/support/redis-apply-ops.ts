/**
 * One op of the Redis store's APPLY script: its op letter, collection, entry key and JSON. A run of
 * writes to one entry is one op `r` whose JSON is the last write's (`''` when it deletes), with
 * how many writes it stands for and the first one's op.
 */
export interface ApplyOp {
  op: string;
  collection: string;
  key: string;
  json: string;
  writes?: number;
  first?: string;
}

/**
 * The ops an EVALSHA or EVAL call of the Redis store's APPLY script carries, in order, or undefined
 * for any other script. APPLY takes the session's data key and a key per collection written (then
 * the write guard's keys), and ARGV = the collection prefix, the ops as one JSON array, the session
 * cap, the ops' sizes, then the write guard's own ARGV. An op is four items (op, collection, key,
 * JSON); a run (`r`) four more: its writes, the first one's op, the longest JSON's size and how
 * many add the entry back after a delete.
 */
export function applyOps(args: readonly unknown[]): ApplyOp[] | undefined {
  const argv = args.slice(2 + Number(args[1]));
  const packed = argv[1];
  if (argv.length !== 7 || !String(argv[0]).endsWith(':c:') || typeof packed !== 'string' || !packed.startsWith('[')) return undefined;
  const list = JSON.parse(packed) as Array<string | number>;
  const ops: ApplyOp[] = [];
  for (let i = 0; i < list.length; ) {
    const [op, collection, key, json] = list.slice(i, i + 4) as [string, string, string, string];
    if (op === 'r') {
      ops.push({ op, collection, key, json, writes: list[i + 4] as number, first: list[i + 5] as string });
      i += 8;
    } else {
      ops.push({ op, collection, key, json });
      i += 4;
    }
  }
  return ops;
}
