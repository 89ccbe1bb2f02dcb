import { jsonStringLength } from '../json/json-string-length.js';
import { keyLength, valueLength } from '../json/key-length.js';
import { ownKeysOnly } from '../json/own-keys-only.js';
import { PlainObject } from '../json/plain-object.js';

/** Thrown inside the copy when a value needs JSON.stringify's full rules. */
const UNUSUAL: unique symbol = Symbol('unusual');
/** Thrown inside the copy once the size passes the walk's limit (see `SnapshotWalk.over`). */
const PAST_LIMIT: unique symbol = Symbol('past limit');
/**
 * Thrown by {@link SnapshotWalk.take} when the value is nested deeper than the walk's `maxDepth`:
 * its taker refuses the result (the batch's `RESULT_TOO_DEEP`).
 */
export const TOO_DEEP: unique symbol = Symbol('too deep');
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Deeper than this, the value is handed to JSON itself (which also reports cycles). */
export const MAX_DEPTH = 512;
/** What a remembered size is multiplied by to hold the height of its value beside it (which is at most MAX_DEPTH). */
const HEIGHTS = 1024;
/**
 * From this size a frozen value a result is (not one it holds) has its size remembered: a smaller
 * one read once, as most are, would cost a WeakMap entry more than measuring it again costs.
 */
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
 * Given a limit, it stops as soon as the size passes it, before copying further: a result too large
 * for what its batch has left costs at most what is left, however large it is.
 */
export class SnapshotWalk {
  /** Characters of the JSON text of the value last taken; when {@link SnapshotWalk.over}, how far it got past the limit. */
  size = 0;
  /** Whether the value last taken passed the limit it was taken with (nothing was kept of it). */
  over = false;
  #limit = Number.POSITIVE_INFINITY;
  // The deepest level the measure of a frozen value reached (its height is this less where it began).
  #deepest = 0;
  // The depth past which a frozen value is not shared but copied (and refused there, past maxDepth).
  readonly #frozenDepth: number;
  // With a maxDepth: the containers from the top to the one being copied, to tell a cycle (which
  // JSON cannot write: the round trip reports it) from a value that is only deep.
  readonly #path: unknown[] | undefined;

  /**
   * @param share Whether deeply frozen data is shared instead of copied.
   * @param sizes Where the sizes of shared values are remembered across walks (an engine's
   *   `ResultPool.frozenSizes`), with their heights: measuring counts every string's escapes, so a
   *   session value read back 300 times would otherwise be read 300 times. Each frozen value a
   *   walk meets first (not what it holds) is remembered when it is held by something else (an
   *   entry of a list a handler made), whatever its size, or is itself the result and holds
   *   {@link REMEMBER_FROM} characters or more; one measured past a limit is remembered as larger
   *   than that, and refused at once against a limit below it. A list of 1,000 small entries read
   *   500 times is then 1,000 lookups a read, not 1,000 walks.
   * @param maxDepth Most levels of nesting a value may have (a batch's `limits.maxResultDepth`, at
   *   most {@link MAX_DEPTH}); deeper, {@link SnapshotWalk.take} throws {@link TOO_DEEP}. Without
   *   it, a value nested past `MAX_DEPTH` takes the JSON round trip.
   */
  constructor(
    private readonly share: boolean,
    private readonly sizes?: WeakMap<object, number>,
    private readonly maxDepth = Number.POSITIVE_INFINITY,
  ) {
    this.#frozenDepth = Math.min(MAX_DEPTH, maxDepth - 1);
    this.#path = maxDepth <= MAX_DEPTH ? new Array<unknown>(maxDepth) : undefined;
  }

  /**
   * The snapshot of `value` (not undefined); its size is then in `size`. Past `limit` characters,
   * it stops and answers undefined with {@link SnapshotWalk.over} set.
   */
  take(value: unknown, limit = Number.POSITIVE_INFINITY): unknown {
    this.size = 0;
    this.over = false;
    this.#limit = limit;
    try {
      return this.copy(value, 0);
    } catch (error) {
      if (error === PAST_LIMIT) {
        this.over = true;
        return undefined;
      }
      if (error !== UNUSUAL) throw error;
      const text = JSON.stringify(value);
      this.size = text === undefined ? 0 : text.length;
      if (this.size > limit) {
        this.over = true;
        return undefined;
      }
      if (text === undefined) return undefined;
      const parsed: unknown = JSON.parse(text);
      if (this.maxDepth <= MAX_DEPTH && deeperThan(parsed, this.maxDepth)) throw TOO_DEEP;
      return parsed;
    }
  }

  /** Adds `n` characters; past the limit, stops the walk. */
  #count(n: number): void {
    this.size += n;
    if (this.size > this.#limit) throw PAST_LIMIT;
  }

  copy(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        this.#string(value);
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
        // Levels of nesting: this one is level depth + 1.
        if (depth >= this.maxDepth) throw (this.#path as unknown[]).lastIndexOf(value, depth - 1) >= 0 ? UNUSUAL : TOO_DEEP;
        if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
        if (this.#path !== undefined) this.#path[depth] = value;
        if (this.share && Object.isFrozen(value) && this.#shared(value, depth)) return value;
        return Array.isArray(value) ? this.array(value, depth) : this.object(value as Record<string, unknown>, depth);
      default:
        // undefined, functions, symbols and bigints at this place follow JSON's own rules.
        throw UNUSUAL;
    }
  }

  /** Counts a string; one too long for what is left (its JSON text is never shorter than it) is not scanned. */
  #string(value: string, position = -1): void {
    if (this.size + value.length + 2 > this.#limit) this.#count(value.length + 2);
    else this.#count(position < 0 ? jsonStringLength(value) : valueLength(value, position));
  }

  /**
   * Counts a frozen value (within the depth limit, without a toJSON) and answers true when it is
   * plain data frozen at every level, shared as its own snapshot; false when it must be copied.
   */
  #shared(value: object, depth: number): boolean {
    const sizes = this.sizes;
    const known = sizes?.get(value);
    if (known !== undefined) {
      if (known < 0) {
        // Measured once past a limit: larger than -known - 1 characters.
        const larger = -known - 1;
        if (this.size + larger > this.#limit) this.#count(larger);
      } else if (depth + (known % HEIGHTS) <= this.#frozenDepth) {
        this.#count(Math.floor(known / HEIGHTS));
        return true;
      } else return false;
    }
    const left = this.#limit - this.size;
    this.#deepest = depth;
    let size: number;
    try {
      size = this.#frozenContainer(value, depth, left);
    } catch (error) {
      if (error !== PAST_LIMIT) throw error;
      sizes?.set(value, -left - 2);
      this.#count(left + 1);
      throw error;
    }
    if (size < 0) return false;
    // Only a value frozen at every level gets here: neither it nor its size can change.
    if (depth > 0 || size >= REMEMBER_FROM) sizes?.set(value, size * HEIGHTS + (this.#deepest - depth));
    this.#count(size);
    return true;
  }

  /**
   * The JSON size of a container found frozen, within the depth limit and without a `toJSON`, when
   * all it holds is plain data frozen as it is; -1 as soon as anything is not (a container not
   * frozen, a class instance, a `toJSON`, a member JSON would drop or rewrite), and the value is
   * then copied instead. Throws {@link PAST_LIMIT} once past `left` characters.
   */
  #frozenContainer(value: object, depth: number, left: number): number {
    if (depth > this.#deepest) this.#deepest = depth;
    const proto = Object.getPrototypeOf(value);
    if (Array.isArray(value)) {
      if (proto !== ARRAY_PROTO) return -1;
      let size = value.length === 0 ? 2 : value.length + 1;
      for (let i = 0; i < value.length; i++) {
        const item = this.#frozenValue(value[i], depth + 1, left - size);
        if (item < 0) return -1;
        size += item;
        if (size > left) throw PAST_LIMIT;
      }
      return size;
    }
    if (proto !== OBJECT_PROTO && proto !== null) return -1;
    let size = 2;
    let fields = 0;
    // for-in lists the own keys as Object.keys does, without making their array (see ownKeysOnly).
    if (proto === null || ownKeysOnly()) {
      for (const key in value) {
        // Read here, in the for-in itself: V8 reads a member of the key a for-in just listed by its
        // index, where a lookup elsewhere hashes the key (most of a small record's cost).
        const member = (value as Record<string, unknown>)[key];
        if (key === '__proto__') return -1;
        let item: number;
        // The common members without the general step; a string never scanned when it cannot fit.
        if (typeof member === 'string') {
          if (size + member.length + 2 > left) throw PAST_LIMIT;
          item = valueLength(member, fields);
        } else if (member === null) item = 4;
        else if (typeof member === 'boolean') item = member ? 4 : 5;
        else {
          item = this.#frozenValue(member, depth + 1, left - size);
          if (item < 0) return -1;
        }
        size += keyLength(key, fields) + 1 + item;
        fields++;
        if (size > left) throw PAST_LIMIT;
      }
    } else {
      for (const key of Object.keys(value)) {
        if (key === '__proto__') return -1;
        const item = this.#frozenValue((value as Record<string, unknown>)[key], depth + 1, left - size);
        if (item < 0) return -1;
        size += keyLength(key, fields) + 1 + item;
        fields++;
        if (size > left) throw PAST_LIMIT;
      }
    }
    return fields === 0 ? size : size + fields - 1;
  }

  /** {@link SnapshotWalk.#frozenContainer} of any value: a string, number, boolean or null as JSON writes it. */
  #frozenValue(value: unknown, depth: number, left: number): number {
    switch (typeof value) {
      case 'string':
        // Never scanned when it cannot fit: its JSON text is never shorter than it.
        if (value.length + 2 > left) throw PAST_LIMIT;
        return jsonStringLength(value);
      case 'boolean':
        return value ? 4 : 5;
      case 'number':
        // JSON writes -0 as 0 and the non-finite numbers as null: a shared value would differ.
        return !Number.isFinite(value) || Object.is(value, -0) ? -1 : numberLength(value);
      case 'object':
        if (value === null) return 4;
        // JSON calls a `toJSON` (an array's too): such a value is not what its members say.
        if (depth > this.#frozenDepth || !Object.isFrozen(value) || typeof (value as { toJSON?: unknown }).toJSON === 'function') return -1;
        return this.#frozenContainer(value, depth, left);
      default:
        return -1;
    }
  }

  array(value: unknown[], depth: number): unknown[] {
    if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
    const length = value.length;
    // Its commas first: an array of many small items past the limit stops before it is copied.
    this.#count(length === 0 ? 2 : length + 1);
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        this.size += 4;
        out[i] = null;
      } else out[i] = this.copy(item, depth + 1);
      if (this.size > this.#limit) throw PAST_LIMIT;
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
        this.size += keyLength(key, fields) + 1;
        this.#string(item, fields);
        fields++;
        out[key] = item;
        continue;
      }
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (key === '__proto__') throw UNUSUAL;
      this.size += keyLength(key, fields) + 1;
      fields++;
      out[key] = this.copy(item, depth + 1);
      if (this.size > this.#limit) throw PAST_LIMIT;
    }
    this.size += fields === 0 ? 2 : fields + 1;
    return out;
  }
}

/** Whether a JSON value (as JSON.parse makes it) is nested more than `levels` levels deep. */
function deeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (deeperThan(item, levels - 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], levels - 1)) return true;
  return false;
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
  return measure(value);
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

/** The walk of {@link jsonSizeWithin}: the same count as {@link measure}, stopped at the limit. */
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
 * The JSON size of any value, exactly as JSON would carry it (see {@link jsonSize}); a member JSON
 * leaves out counts nothing, an array item it writes as null 4.
 */
function measure(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringLength(value);
    case 'boolean':
      return value ? 4 : 5;
    case 'number':
      return Number.isFinite(value) ? numberLength(value) : 4;
    case 'object':
      return value === null ? 4 : measureContainer(value);
    default:
      return 0;
  }
}

/** {@link measure} of an array or object. */
function measureContainer(value: object): number {
  if (Array.isArray(value)) {
    let size = value.length === 0 ? 2 : value.length + 1;
    for (let i = 0; i < value.length; i++) size += value[i] === undefined ? 4 : measure(value[i]);
    return size;
  }
  const proto = Object.getPrototypeOf(value);
  let size = 2;
  let fields = 0;
  // for-in lists the own keys as Object.keys does, without making their array (see ownKeysOnly).
  if (proto === null || (proto === OBJECT_PROTO && ownKeysOnly())) {
    for (const key in value) {
      // Read here, in the for-in itself: V8 reads a member of the key a for-in just listed by its
      // index, where a lookup elsewhere hashes the key (most of a small record's cost).
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined) continue;
      size += keyLength(key, fields) + 1 + (typeof member === 'string' ? valueLength(member, fields) : measure(member));
      fields++;
    }
  } else {
    for (const key of Object.keys(value)) {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined) continue;
      size += keyLength(key, fields) + 1 + measure(member);
      fields++;
    }
  }
  return fields === 0 ? size : size + fields - 1;
}
