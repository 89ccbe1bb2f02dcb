import { jsonStringLength } from '../json/json-string-length.js';
import { keyLength, valueLength } from '../json/key-length.js';
import { ownKeysOnly } from '../json/own-keys-only.js';
import { PlainObject } from '../json/plain-object.js';

/** Thrown inside the copy when a value needs JSON.stringify's full rules. */
const UNUSUAL: unique symbol = Symbol('unusual');
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Deeper than this, the value is handed to JSON itself (which also reports cycles). */
const MAX_DEPTH = 512;
/** From this size a deeply frozen value's size is remembered (see `SnapshotWalk`'s `sizes`); a smaller one is cheaper to measure again. */
const REMEMBER_FROM = 1024;

/** A value as it was when its sub-request settled, and the length of its JSON text. */
export interface Snapshot {
  readonly value: unknown;
  /** Characters (UTF-16 code units) of the value's JSON text, escapes included (see `jsonStringLength`). */
  readonly size: number;
}

/**
 * Copies a handler's answer exactly as `JSON.parse(JSON.stringify(value))` would, measuring it on
 * the way: the result of a sub-request is what the value was when it settled, whatever the handler
 * does to its objects later, and the same on every transport. Plain data takes a fast walk; anything
 * else (a `toJSON`, a class instance, a `__proto__` key, deep nesting) takes the JSON round trip.
 * Deeply frozen plain data (what a store hands out), at any level, cannot change: it is its own
 * snapshot and is shared, not copied.
 */
export function snapshot(value: unknown): Snapshot {
  if (value === undefined) return { value, size: 0 };
  const walk = new SnapshotWalk(true);
  const copy = walk.take(value);
  return { value: copy, size: walk.size };
}

/**
 * A deep copy of `value` exactly as `JSON.parse(JSON.stringify(value))` would make it, several
 * times faster for plain data; frozen data is copied too (unlike {@link snapshot}). Transports
 * use it to hand out values that share nothing with the engine.
 */
export function jsonCopy(value: unknown): unknown {
  return value === undefined ? undefined : new SnapshotWalk(false).take(value);
}

/**
 * The copy walk (sharing deeply frozen data when `share`), with JSON's own round trip for whatever
 * plain data it is not. Reusable: a batch keeps one and takes each result's snapshot with it
 * ({@link SnapshotWalk.take}, then `size`), so a result costs its copy and nothing around it.
 */
export class SnapshotWalk {
  /** Characters of the JSON text of the value last taken. */
  size = 0;

  /**
   * @param share Whether deeply frozen data is shared instead of copied.
   * @param sizes Where the sizes of large shared values are remembered across walks (an engine's
   *   `ResultPool.frozenSizes`): measuring counts every string's escapes, so a 64 KiB session value
   *   read back 300 times would otherwise be read 300 times.
   */
  constructor(
    private readonly share: boolean,
    private readonly sizes?: WeakMap<object, number>,
  ) {}

  /** The snapshot of `value` (not undefined); its size is then in `size`. */
  take(value: unknown): unknown {
    this.size = 0;
    try {
      return this.copy(value, 0);
    } catch (error) {
      if (error !== UNUSUAL) throw error;
      const text = JSON.stringify(value);
      this.size = text === undefined ? 0 : text.length;
      return text === undefined ? undefined : JSON.parse(text);
    }
  }

  copy(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        this.size += jsonStringLength(value);
        return value;
      case 'boolean':
        this.size += value ? 4 : 5;
        return value;
      case 'number':
        // JSON writes NaN and the infinities as null, and -0 as 0.
        if (!Number.isFinite(value)) {
          this.size += 4;
          return null;
        }
        this.size += numberLength(value);
        return value + 0;
      case 'object':
        if (value === null) {
          this.size += 4;
          return null;
        }
        if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
        if (this.share && Object.isFrozen(value)) {
          const known = this.sizes?.get(value);
          if (known !== undefined) {
            this.size += known;
            return value;
          }
          // Frozen, within the depth limit and without a toJSON (checked above): measured without asking again.
          const size = measureContainer(value, depth, true);
          if (size >= 0) {
            // Only a value frozen at every level gets here: neither it nor its size can change.
            if (size >= REMEMBER_FROM) this.sizes?.set(value, size);
            this.size += size;
            return value;
          }
        }
        return Array.isArray(value) ? this.array(value, depth) : this.object(value as Record<string, unknown>, depth);
      default:
        // undefined, functions, symbols and bigints at this place follow JSON's own rules.
        throw UNUSUAL;
    }
  }

  array(value: unknown[], depth: number): unknown[] {
    if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
    const length = value.length;
    const out = new Array<unknown>(length);
    this.size += length === 0 ? 2 : length + 1;
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        this.size += 4;
        out[i] = null;
      } else out[i] = this.copy(item, depth + 1);
    }
    return out;
  }

  object(value: Record<string, unknown>, depth: number): Record<string, unknown> {
    const proto = Object.getPrototypeOf(value);
    if (proto !== OBJECT_PROTO && proto !== null) throw UNUSUAL;
    // for-in lists the own keys as Object.keys does, without making their array (see ownKeysOnly).
    if (proto !== null && !ownKeysOnly()) throw UNUSUAL;
    // Exactly `{}` (see PlainObject), with a cheaper first key.
    const out = new PlainObject();
    let fields = 0;
    for (const key in value) {
      const item = value[key];
      // Each test a `typeof x === '...'` of its own: V8 turns those into type checks, where a
      // `typeof` kept in a variable makes its string (a builtin call per member).
      if (typeof item === 'string') {
        // An assignment to `__proto__` would set the prototype, where JSON.parse makes a property.
        if (key === '__proto__') throw UNUSUAL;
        // Strings, the most common member, without the general step.
        this.size += keyLength(key, fields) + valueLength(item, fields) + 1;
        fields++;
        out[key] = item;
        continue;
      }
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (key === '__proto__') throw UNUSUAL;
      this.size += keyLength(key, fields) + 1;
      fields++;
      out[key] = this.copy(item, depth + 1);
    }
    this.size += fields === 0 ? 2 : fields + 1;
    return out;
  }
}

/** Characters of a finite number's JSON text; small integers without making the string. */
function numberLength(value: number): number {
  if (Number.isInteger(value) && value >= 0 && value < 1e9) {
    let n = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) n++;
    return n;
  }
  return String(value).length;
}

/**
 * Characters of a JSON value's text, without making it: exactly what `JSON.stringify` would write
 * (strings with their escapes, see `jsonStringLength`), containers walked once. Used to charge what a reference expands to before anything is built.
 */
export function jsonSize(value: unknown): number {
  return measure(value, 0, false);
}

/**
 * {@link jsonSize} when it is at most `limit`; otherwise some number above `limit`, found without
 * walking further than it takes to pass it. A string is first counted by its length plus quotes
 * (never more than its JSON text), and scanned for escapes only when that still fits: the work is
 * bounded by `limit` and the members read, not by the value's size (a 31 MB answer measured
 * against a 256 KiB cap stops after about 256 KiB).
 */
export function jsonSizeWithin(value: unknown, limit: number): number {
  const walk = new BoundedSize(limit);
  try {
    walk.add(value);
  } catch (error) {
    if (error !== OVER) throw error;
  }
  return walk.size;
}

/** Thrown inside {@link BoundedSize} once the size passes its limit. */
const OVER: unique symbol = Symbol('over');

/** The walk of {@link jsonSizeWithin}: the same count as {@link measure} (not `frozen`), stopped at the limit. */
class BoundedSize {
  size = 0;

  constructor(private readonly limit: number) {}

  /** Adds `n` characters, throwing {@link OVER} once past the limit. */
  count(n: number): void {
    this.size += n;
    if (this.size > this.limit) throw OVER;
  }

  string(value: string): void {
    // Its JSON text is never shorter: a string too long as it is needs no scan.
    if (this.size + value.length + 2 > this.limit) this.count(value.length + 2);
    else this.count(jsonStringLength(value));
  }

  add(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return;
      case 'boolean':
        this.count(value ? 4 : 5);
        return;
      case 'number':
        this.count(Number.isFinite(value) ? numberLength(value) : 4);
        return;
      case 'object':
        if (value === null) this.count(4);
        else if (Array.isArray(value)) this.array(value);
        else this.object(value as Record<string, unknown>);
        return;
      default:
        // jsonSize counts nothing for a value JSON drops.
        return;
    }
  }

  array(value: readonly unknown[]): void {
    const length = value.length;
    this.count(length === 0 ? 2 : length + 1);
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (item === undefined) this.count(4);
      else this.add(item);
    }
  }

  object(value: Record<string, unknown>): void {
    const proto = Object.getPrototypeOf(value);
    this.count(2);
    let fields = 0;
    // The keys jsonSize reads: for-in where it lists the own keys only, else Object.keys.
    const keys = proto === null || (proto === OBJECT_PROTO && ownKeysOnly()) ? undefined : Object.keys(value);
    if (keys === undefined) {
      for (const key in value) fields = this.member(key, value[key], fields);
    } else {
      for (const key of keys) fields = this.member(key, value[key], fields);
    }
  }

  /** Counts one member of an object (`fields` members before it) and returns how many there are now. */
  member(key: string, member: unknown, fields: number): number {
    if (member === undefined) return fields;
    // The comma before every member but the first.
    if (fields > 0) this.count(1);
    this.string(key);
    this.count(1);
    this.add(member);
    return fields + 1;
  }
}

/**
 * One walk for two questions: the JSON size of any value, and (`frozen`) that of a value that is
 * plain data frozen at every level, exactly as JSON would carry it; -1 as soon as anything is not
 * (a container not frozen, a class instance, a `toJSON`, a member JSON would drop or rewrite), and
 * the value is then copied instead.
 */
function measure(value: unknown, depth: number, frozen: boolean): number {
  switch (typeof value) {
    case 'string':
      return jsonStringLength(value);
    case 'boolean':
      return value ? 4 : 5;
    case 'number':
      // JSON writes -0 as 0 and the non-finite numbers as null: a shared value would differ.
      if (!Number.isFinite(value)) return frozen ? -1 : 4;
      return frozen && Object.is(value, -0) ? -1 : numberLength(value);
    case 'object':
      if (value === null) return 4;
      // JSON calls a `toJSON` (an array's too): such a value is not what its members say.
      if (frozen && (depth > MAX_DEPTH || !Object.isFrozen(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function'))
        return -1;
      return measureContainer(value, depth, frozen);
    default:
      return frozen ? -1 : 0;
  }
}

/**
 * {@link measure} of an array or object; with `frozen`, one its caller found frozen, within the
 * depth limit and without a `toJSON`.
 */
function measureContainer(value: object, depth: number, frozen: boolean): number {
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (frozen && proto !== ARRAY_PROTO) return -1;
    let size = value.length === 0 ? 2 : value.length + 1;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] === undefined && !frozen ? 4 : measure(value[i], depth + 1, frozen);
      if (item < 0) return -1;
      size += item;
    }
    return size;
  }
  if (frozen && proto !== OBJECT_PROTO && proto !== null) return -1;
  let size = 2;
  let fields = 0;
  // for-in lists the own keys as Object.keys does, without making their array (see ownKeysOnly).
  if (proto === null || (proto === OBJECT_PROTO && ownKeysOnly())) {
    for (const key in value) {
      // Read here, in the for-in itself, not in memberSize: V8 reads a member of the key a for-in
      // just listed by its index, where a lookup elsewhere hashes the key (most of a small record's cost).
      const member = (value as Record<string, unknown>)[key];
      let item: number;
      if (frozen && key === '__proto__') return -1;
      // The common members without the general step.
      if (typeof member === 'string') item = valueLength(member, fields);
      else if (member === null) item = 4;
      else if (typeof member === 'boolean') item = member ? 4 : 5;
      else if (member === undefined && !frozen) continue;
      else {
        item = measure(member, depth + 1, frozen);
        if (item < 0) return -1;
      }
      size += keyLength(key, fields) + 1 + item;
      fields++;
    }
  } else {
    for (const key of Object.keys(value)) {
      const item = memberSize(value as Record<string, unknown>, key, depth, frozen);
      if (item === SKIPPED) continue;
      if (item < 0) return -1;
      size += keyLength(key, fields) + 1 + item;
      fields++;
    }
  }
  return fields === 0 ? size : size + fields - 1;
}

/** What {@link memberSize} returns for a member JSON leaves out. */
const SKIPPED = -2;

/** The size a member adds to its object's text (without its key); -1 as {@link measure}, {@link SKIPPED} when JSON drops it. */
function memberSize(value: Record<string, unknown>, key: string, depth: number, frozen: boolean): number {
  const member = value[key];
  if (frozen && key === '__proto__') return -1;
  // The common members without the general step.
  if (typeof member === 'string') return jsonStringLength(member);
  if (member === null) return 4;
  if (typeof member === 'boolean') return member ? 4 : 5;
  if (member === undefined && !frozen) return SKIPPED;
  return measure(member, depth + 1, frozen);
}
