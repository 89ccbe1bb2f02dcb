// What V8 (64-bit, as Node builds it: 8-byte pointers) gives the parts of a JSON value, measured
// with process.memoryUsage on values made by JSON.parse and by the engine's copies, frozen as a
// store freezes them (test/src/records-heap-size.test.ts measures the shapes that cost most).
/** A pointer: a slot of an array's or an object's storage, or a member kept in place. */
const SLOT = 8;
/** A flat string: map, hash and length; its characters follow, rounded up to 8 bytes. */
const STRING_HEADER = 16;
/** A number that is not a small integer: a box of its own (a frozen array boxes its doubles too). */
const HEAP_NUMBER = 16;
/** An array: map, properties, elements and length. */
const ARRAY = 32;
/** The storage of a non-empty array, or of an object's members beyond those kept in place: map and length. */
const STORAGE_HEADER = 16;
/** An object with its 4 members kept in place (what `{}` and the engine's copies hold). */
const OBJECT = 56;
/** An object's own header (map, properties, elements), without members. */
const OBJECT_HEADER = 24;
/** A copied object with more members than this is a dictionary (hash table) in V8. */
const FAST_MEMBERS = 17;
/** An object that became a dictionary: the object (its 4 places kept) and the dictionary's header and prefix. */
const DICTIONARY = 176;
/** One entry of a dictionary (key, value, details); a dictionary holds 1.5 to 3 entries per member. */
const DICTIONARY_ENTRY = 24;
/**
 * A shape (the keys of an object, in order) first seen in a value: V8 makes a hidden class for each
 * member along it (with its descriptors), and one more when it is frozen. A value of many records
 * of one shape pays it once; an object of more members than {@link SHAPED_MEMBERS} is a dictionary,
 * which has none.
 */
const SHAPE = 160;
const SHAPE_MEMBER = 128;
/** JSON.parse makes an object of up to this many members with its members in place (and hidden classes). */
const SHAPED_MEMBERS = 127;
/** JSON.parse keeps one copy of each string up to this length (it internalizes them), as it does of keys. */
const INTERNALIZED_UP_TO = 10;
/** A code unit a one-byte string cannot hold: a string with one is kept at 2 bytes per unit. */
const TWO_BYTE = /[^\u0000-\u00ff]/;

/**
 * An estimate of the heap bytes V8 takes to hold a JSON value (what a memory store keeps), never
 * below what it takes for the shapes that cost most per character of JSON text (arrays of `""`,
 * of `{}` or of `[]`, numbers, two-byte text, objects of keys never seen before): a string counts
 * 1 byte per character, or 2 when it holds one above U+00FF, plus its header; an array 8 bytes
 * per item plus its header; an object its members kept in place or its hash table, and each new
 * shape of keys the hidden classes V8 makes for it; and an eighth more. Strings of up to 10
 * characters and keys count once per value (V8 keeps one copy of each). The same value always gives the same estimate, so a
 * store that adds it on write and takes it off on delete never drifts. JSON text alone can be 21
 * times smaller than the heap it takes (`[{},{},...]`): budgets of memory count this instead.
 */
export function heapSize(value: unknown): number {
  if (typeof value === 'string') return stringSize(value);
  if (value === null || typeof value !== 'object') return typeof value === 'number' ? withMargin(numberSize(value)) : 0;
  const walk = new HeapWalk();
  return withMargin(Array.isArray(value) ? walk.add(value) : walk.top(value as Record<string, unknown>));
}

/** The heap bytes of a flat string of `value`'s characters, with the margin of {@link heapSize}. */
export function stringSize(value: string): number {
  return withMargin(flatSize(value));
}

/**
 * An eighth more than the objects take: what the heap holds around them (the measures above are
 * those of `heapUsed`, which varies by a few per cent from one run to the next).
 */
function withMargin(bytes: number): number {
  return bytes + Math.ceil(bytes / 8);
}

/** The bytes of a flat string of `value`'s characters. */
function flatSize(value: string): number {
  const length = value.length;
  if (length === 0) return 0;
  const bytes = isTwoByte(value) ? 2 * length : length;
  return STRING_HEADER + ((bytes + 7) & ~7);
}

function isTwoByte(value: string): boolean {
  if (value.length >= 16) return TWO_BYTE.test(value);
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return true;
  return false;
}

/** A number's box: none for a small integer (kept in its slot), else {@link HEAP_NUMBER}. */
function numberSize(value: number): number {
  // The smaller small-integer range (31 bits), so the estimate holds where V8 compresses pointers too.
  return Number.isInteger(value) && value >= -0x40000000 && value < 0x40000000 && !Object.is(value, -0) ? 0 : HEAP_NUMBER;
}

/** Bytes of an object of `members` named members (with its storage, not its keys or values). */
function objectSize(members: number): number {
  if (members <= 4) return OBJECT;
  if (members <= FAST_MEMBERS) return OBJECT + STORAGE_HEADER + SLOT * (3 * Math.ceil((members - 4) / 3));
  // Made by JSON.parse: members in place (up to SHAPED_MEMBERS); copied: a dictionary.
  return Math.max(OBJECT_HEADER + SLOT * members, dictionarySize(members));
}

/** A dictionary of `members` entries: a power of two of at least 1.5 entries per member. */
function dictionarySize(members: number): number {
  let capacity = 4;
  while (capacity < members + (members >> 1)) capacity *= 2;
  return DICTIONARY + DICTIONARY_ENTRY * capacity;
}

/** Whether V8 keeps a member under `key` with the object's elements (an array index), not as a named member. */
function isIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 0x30 || first > 0x39 || key.length > 10 || (first === 0x30 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return Number(key) < 0xffffffff;
}

/** The bytes of a string met once: nothing for one V8 keeps a single copy of whatever makes it. */
function onceSize(value: string): number {
  return value.length === 0 || (value.length === 1 && value.charCodeAt(0) <= 0xff) ? 0 : flatSize(value);
}

/**
 * The bytes of a key of the object at the top of a value, counted at 2 bytes a character without
 * reading it (a key is short; reading it costs more than the few bytes this may count too many).
 */
function keySize(key: string): number {
  return STRING_HEADER + ((2 * key.length + 7) & ~7);
}

/** One estimate's walk: the short strings, keys and shapes it has counted. */
class HeapWalk {
  // Short strings and keys already counted, each with a number that names it in a shape (made
  // when first needed: a record of plain members, the common value, needs none).
  #strings: Map<string, number> | undefined;
  #shapes: Set<number> | undefined;

  /**
   * The object at the top of a value: its keys are its own (one object never repeats a key) and its
   * shape is new to the walk, so it is counted without looking anything up. A string member is
   * counted as it is: it may share its text with another, and the estimate is then a little above.
   */
  top(value: Record<string, unknown>): number {
    let size = 0;
    let members = 0;
    let indexes = 0;
    // for-in, not Object.keys (no array of keys): should Object.prototype have an enumerable key,
    // it is counted too, which only makes the estimate larger.
    for (const key in value) {
      const member = value[key];
      size += typeof member === 'string' ? onceSize(member) : this.add(member);
      if (isIndex(key)) indexes++;
      else {
        members++;
        size += keySize(key);
      }
    }
    size += objectSize(members);
    if (indexes > 0) size += dictionarySize(indexes);
    if (members > 0 && members <= SHAPED_MEMBERS) size += SHAPE + SHAPE_MEMBER * members;
    return size;
  }

  add(value: unknown): number {
    switch (typeof value) {
      case 'string':
        return value.length > INTERNALIZED_UP_TO ? flatSize(value) : this.#short(value);
      case 'number':
        return numberSize(value);
      case 'object':
        if (value === null) return 0;
        return Array.isArray(value) ? this.#array(value) : this.#object(value as Record<string, unknown>);
      default:
        return 0;
    }
  }

  #short(value: string): number {
    // The empty string, and those of one character up to U+00FF, exist once in V8.
    if (value.length === 0 || (value.length === 1 && value.charCodeAt(0) <= 0xff)) return 0;
    this.#strings ??= new Map();
    const strings = this.#strings;
    if (strings.has(value)) return 0;
    strings.set(value, strings.size);
    return flatSize(value);
  }

  #array(value: readonly unknown[]): number {
    const length = value.length;
    let size = length === 0 ? ARRAY : ARRAY + STORAGE_HEADER + SLOT * length;
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (typeof item === 'object' || typeof item === 'string' || typeof item === 'number') size += this.add(item);
    }
    return size;
  }

  #object(value: Record<string, unknown>): number {
    let size = 0;
    let members = 0;
    let indexes = 0;
    let shape = 0;
    // for-in, as in `top`.
    for (const key in value) {
      size += this.add(value[key]);
      if (isIndex(key)) indexes++;
      else {
        members++;
        shape = Math.imul(shape ^ this.#key(key), 0x01000193);
        size += this.#keySize;
      }
    }
    size += objectSize(members);
    // Members under array indexes are the object's elements: at most a dictionary of their own.
    if (indexes > 0) size += dictionarySize(indexes);
    if (members > 0 && members <= SHAPED_MEMBERS) {
      this.#shapes ??= new Set();
      if (!this.#shapes.has(shape)) {
        this.#shapes.add(shape);
        size += SHAPE + SHAPE_MEMBER * members;
      }
    }
    return size;
  }

  // What the last key given to #key costs: its string the first time, else nothing.
  #keySize = 0;

  /** The number naming `key` in shapes (never 0); counts its string the first time. */
  #key(key: string): number {
    this.#strings ??= new Map();
    const strings = this.#strings;
    const known = strings.get(key);
    if (known !== undefined) {
      this.#keySize = 0;
      return known + 1;
    }
    const id = strings.size;
    strings.set(key, id);
    this.#keySize = flatSize(key);
    return id + 1;
  }
}
