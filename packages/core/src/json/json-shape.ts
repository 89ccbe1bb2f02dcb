/**
 * What the memory of a parsed JSON value grows with besides its strings' characters: its objects
 * and arrays, the values they hold, and the members of its objects. The raw-text scanner counts them
 * before `JSON.parse` (see `checkJsonLimits`), the copy of a value as it copies ({@link JsonCopy}).
 */
export interface JsonShape {
  /** Objects and arrays. */
  readonly containers: number;
  /** Items and members, at most: the text's commas plus its containers. */
  readonly values: number;
  /** Members of objects (the text's colons). */
  readonly members: number;
}

// Heap bytes (V8, 64-bit, no pointer compression: Node's builds) charged per part, measured with
// process.memoryUsage() on 1 MiB bodies of each shape, parsed by JSON.parse and copied by
// JsonBody, each body's keys its own (nothing shared between them), in a process of its own. Each
// is an upper bound of a cheap part and a share of an expensive one:
// - `[{},{},...]` 64 bytes per `{}` (21× its text), `[[],...]` 40, `[[[[[[[[]]]]]]]]` 54 per array
//   (25×), `[[0],...]` 64 per array (16×);
// - a member whose key makes a hidden class of its own costs far more than its slot: `{"k1":0}`
//   with a new key each 250 bytes (14× parsed, 19× copied), an integer key `{"17":0}` 280 (23×:
// dictionary elements), 16 keys in a new order each 120 per member (13×). The text cannot tell
// these from members of one shape repeated (about 16 bytes each), so every member is charged as
// new: ordinary batches are charged 5 to 7 times what they hold (text and parsed value);
// - a string value: its header and slot, about 24 bytes, and its characters (counted apart, see
//   `inputBytes`); a number or literal: its slot and, for a fraction, a boxed double.
// With these, every shape measured is charged at least 1.1× its heap beyond its strings' characters
// (integer keys copied, the tightest), and a 1 MiB body at most 47× its text (`[{},{},...]`: 35×).
/** Bytes charged per object or array. */
const PER_CONTAINER = 48;
/** Bytes charged per item or member. */
const PER_VALUE = 24;
/** Bytes charged per member, on top of its value's (see above). */
const PER_MEMBER = 200;

/** The heap a parsed value of `shape` takes beyond its strings' characters, at most (see the measures above). */
export function structureBytes(shape: JsonShape): number {
  return PER_CONTAINER * shape.containers + PER_VALUE * shape.values + PER_MEMBER * shape.members;
}
