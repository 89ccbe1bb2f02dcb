import type { JsonLimits } from './check-json-limits.js';
import { structureBytes } from './json-shape.js';
import { ownKeysOnly } from './own-keys-only.js';
import { PlainObject } from './plain-object.js';

/** Thrown inside the copy when a value needs JSON.stringify's full rules. */
export const UNUSUAL: unique symbol = Symbol('unusual');
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Deeper than this, the copy gives up and the text is parsed (which also reports cycles). */
const MAX_DEPTH = 512;
/** Most UTF-8 bytes one UTF-16 code unit of a string can take in JSON text (`\u001f`). */
const MAX_BYTES_PER_UNIT = 6;
/** Slots of the keys a large body remembers (a power of two). */
const KEY_SLOTS = 32;
/** Most bytes of JSON text one number can take (`-1.2345678901234567e-308`). */
const MAX_NUMBER_BYTES = 25;

/** Limits checked on a JSON body (the engine's, see `EngineLimits`). */
export interface JsonBodyLimits extends JsonLimits {
  maxBodyBytes: number;
}

/**
 * What a dialect's `decodeValue` reads a caller's value with (see `Dialect.decodeValue`): it counts
 * every part of the envelope as its JSON text would (bytes, depth, string length) and copies only
 * the parts the decoded batch keeps. Each method throws when the part needs JSON.stringify's full
 * rules (a `toJSON`, a class instance, a `__proto__` key, deep nesting): the engine then copies the
 * whole value as it always did, and decodes that copy.
 */
export interface ValueReader {
  /** Counts an array of the envelope at `depth` (0 for the body itself); its items are read one by one. */
  array(value: readonly unknown[], depth: number): void;
  /** Counts an object of the envelope at `depth`; its members are read one by one, each with {@link ValueReader.key}. */
  object(value: object, depth: number): void;
  /** Counts the key of a member that JSON writes (not one whose value is undefined, a function or a symbol). */
  key(key: string): void;
  /** A member or item at `depth`, counted and copied exactly as a JSON round trip would make it (a string is itself). */
  copy(value: unknown, depth: number): unknown;
}

/**
 * Copies plain values exactly as `JSON.parse(JSON.stringify(value))` would, counting what their JSON
 * text holds: its deepest nesting, its longest string and a bound of its bytes. Throws
 * {@link UNUSUAL} for anything that needs JSON.stringify's own rules.
 */
export class JsonCopy implements ValueReader {
  /** Deepest nesting of arrays and objects in the copy. */
  #depth = 0;
  /** Longest string or key of the copy, in UTF-16 code units. */
  #longest = 0;
  /** The JSON text's length in UTF-8 bytes if every string unit took one byte (exact for printable ASCII). */
  #bytes = 0;
  /**
   * Code units of every string and key not yet scanned: each can take up to {@link MAX_BYTES_PER_UNIT}
   * bytes; -1 once strings are scanned as they are copied (their bound is then in `#bytes`).
   */
  #units = 0;
  /** Keys counted so far once strings are scanned, by length (see `#key`). */
  #keys: (string | undefined)[] | undefined;
  /** The bound past which strings are scanned as they are copied (a quarter of the limit the body is for). */
  readonly #scanAfter: number;
  /** Whether Object.prototype lists enumerable keys (read once per body). */
  readonly #inherited = !ownKeysOnly();
  /** Whether a string copied so far holds a `$` (see {@link JsonCopy.sawDollar}); true from the start when not asked. */
  #sawDollar: boolean;
  /** Arrays and objects counted (see {@link JsonCopy.inputBytes}). */
  #containers = 0;
  /** Items of the arrays counted. */
  #items = 0;
  /** Members of the objects counted (keys JSON writes). */
  #members = 0;

  /** `findDollar`: watch the copied strings for a `$` (see {@link JsonCopy.sawDollar}); else `sawDollar` is true. */
  constructor(limitBytes: number | undefined, findDollar = false) {
    this.#scanAfter = limitBytes === undefined ? Number.POSITIVE_INFINITY : limitBytes / 4;
    this.#sawDollar = !findDollar;
  }

  /**
   * Whether a string value copied so far (not a key) holds a `$`: while false, nothing copied, nor
   * any part of it, holds a reference (see `markNoReferences`).
   * Always true for a copy made without `findDollar`.
   */
  get sawDollar(): boolean {
    return this.#sawDollar;
  }

  /**
   * Whether what was counted is certainly within `limits`: `true`; `false` when the depth or a
   * string's length may be over; `'near'` when only the cheap byte bound is over the limit.
   */
  judge(limits: JsonBodyLimits): boolean | 'near' {
    if (this.#depth > limits.maxDepth) return false;
    // A string's length in the text counts its escapes: at most six code units for each one.
    if (this.#longest * MAX_BYTES_PER_UNIT > limits.maxStringLength) return false;
    return this.#bytes + (MAX_BYTES_PER_UNIT - 1) * Math.max(this.#units, 0) > limits.maxBodyBytes ? 'near' : true;
  }

  /**
   * An upper bound of the memory of what was counted, once parsed or copied: the bound of its
   * text's bytes (which bounds its strings' characters, two bytes each at most) and its structure
   * (see `structureBytes`). What the engine charges against `limits.maxInputBytesInFlight`.
   */
  inputBytes(): number {
    const bytes = this.#bytes + (MAX_BYTES_PER_UNIT - 1) * Math.max(this.#units, 0);
    return bytes + structureBytes({ containers: this.#containers, values: this.#items + this.#members, members: this.#members });
  }

  array(value: readonly unknown[], depth: number): void {
    this.#open(value, depth);
    if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
    this.#bytes += value.length;
    this.#items += value.length;
  }

  object(value: object, depth: number): void {
    this.#open(value, depth);
    const proto = Object.getPrototypeOf(value);
    if (proto !== OBJECT_PROTO && proto !== null) throw UNUSUAL;
    if (proto !== null && this.#inherited) throw UNUSUAL;
    if (this.#units >= 0) this.#scanFromNow();
  }

  key(key: string): void {
    if (key === '__proto__' || key === 'constructor') throw UNUSUAL;
    this.#key(key);
  }

  #open(value: object, depth: number): void {
    if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
    if (depth >= this.#depth) this.#depth = depth + 1;
    this.#bytes += 2;
    this.#containers++;
  }

  /**
   * Counts a string or key. Not scanned while the bound is far below the limit (most bodies are,
   * even at six bytes per unit); once an array's item took it past a quarter of the limit, each
   * one is scanned (exact for printable ASCII), so that a body well within the limit is judged so
   * without a second walk.
   */
  #string(value: string): void {
    const length = value.length;
    if (length > this.#longest) this.#longest = length;
    if (this.#units < 0) {
      this.#bytes += stringBytes(value);
      return;
    }
    this.#units += length;
    this.#bytes += 2 + length;
  }

  /**
   * Counts a string value (not a key) as `#string` does, and notes a `$` in it (see
   * {@link JsonCopy.sawDollar}). Once strings are scanned, one pass over its units does both.
   */
  #stringValue(value: string): void {
    if (this.#units >= 0 || this.#sawDollar) {
      this.#string(value);
      if (!this.#sawDollar && value.indexOf('$') >= 0) this.#sawDollar = true;
      return;
    }
    const length = value.length;
    if (length > this.#longest) this.#longest = length;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c === 0x24) this.#sawDollar = true;
      else if (!plainUnit(c)) {
        // Not printable ASCII: the bound of `stringBytes`, and a `$` may still come after.
        if (!this.#sawDollar && value.indexOf('$', i + 1) >= 0) this.#sawDollar = true;
        this.#bytes += 2 + MAX_BYTES_PER_UNIT * length;
        return;
      }
    }
    this.#bytes += 2 + length;
  }

  /**
   * Counts a member's key (with its quotes' colon and comma), and the member. Once strings are scanned, a large body
   * names the same few keys in every item, and keys from a for-in are internalized, so one compare
   * with the last key of its length finds it (a batch of 10000 would otherwise scan about half of
   * its characters again and again).
   */
  #key(key: string): void {
    this.#bytes += 2;
    this.#members++;
    if (this.#units >= 0) {
      this.#string(key);
      return;
    }
    const length = key.length;
    const slot = length & (KEY_SLOTS - 1);
    this.#keys ??= new Array<string | undefined>(KEY_SLOTS);
    const keys = this.#keys;
    if (keys[slot] === key) {
      this.#bytes += length + 2;
      return;
    }
    if (length > this.#longest) this.#longest = length;
    const bytes = stringBytes(key);
    this.#bytes += bytes;
    // Only keys JSON writes as they are: their bytes are then their length (no second table).
    if (bytes === length + 2) keys[slot] = key;
  }

  /** Checked after each item of an array: from here on strings are scanned (see `#string`). */
  #scanFromNow(): void {
    if (this.#units >= 0 && this.#bytes + (MAX_BYTES_PER_UNIT - 1) * this.#units > this.#scanAfter) {
      // The units so far stay at their bound; a negative count marks the switch.
      this.#bytes += (MAX_BYTES_PER_UNIT - 1) * this.#units;
      this.#units = -1;
    }
  }

  // The copy below writes out the checks of `array`, `object`, `key` and `#open` again on purpose:
  // it runs per member of every body, and calling them from here measured slower (direct against
  // the floor 2.13-2.38x, against 1.65-2.15x written out, three alternating pairs).
  copy(value: unknown, depth: number): unknown {
    // Each test a `typeof x === '...'` of its own, not a switch on `typeof x`: V8 turns the tests into
    // type checks, where the switch makes the type's string (a builtin call per value).
    if (typeof value === 'string') {
      this.#stringValue(value);
      return value;
    }
    if (typeof value === 'object') {
      if (value === null) {
        this.#bytes += 4;
        return null;
      }
      if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
      if (depth >= this.#depth) this.#depth = depth + 1;
      this.#bytes += 2;
      this.#containers++;
      return Array.isArray(value) ? this.#array(value, depth) : this.#object(value as Record<string, unknown>, depth);
    }
    if (typeof value === 'boolean') {
      this.#bytes += 5;
      return value;
    }
    if (typeof value === 'number') {
      this.#bytes += numberBytes(value);
      // JSON writes NaN and the infinities as null, and -0 as 0.
      return Number.isFinite(value) ? value + 0 : null;
    }
    // undefined, functions, symbols and bigints at this place follow JSON's own rules.
    throw UNUSUAL;
  }

  #array(value: unknown[], depth: number): unknown[] {
    if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
    const length = value.length;
    const out = new Array<unknown>(length);
    this.#bytes += length;
    this.#items += length;
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        this.#bytes += 4;
        out[i] = null;
      } else {
        out[i] = this.copy(item, depth + 1);
        if (this.#units >= 0) this.#scanFromNow();
      }
    }
    return out;
  }

  #object(value: Record<string, unknown>, depth: number): Record<string, unknown> {
    const proto = Object.getPrototypeOf(value);
    if (proto !== OBJECT_PROTO && proto !== null) throw UNUSUAL;
    // for-in walks the object's own keys in Object.keys order without making their array; it would
    // also list enumerable keys of Object.prototype, so a prototype that has any takes JSON's path.
    if (proto !== null && this.#inherited) throw UNUSUAL;
    // Exactly `{}` (see PlainObject), with a cheaper first key.
    const out = new PlainObject();
    for (const key in value) {
      const item = value[key];
      // Each test a `typeof x === '...'` of its own: V8 turns those into type checks, where a
      // `typeof` kept in a variable makes its string (a builtin call per member).
      if (typeof item === 'string') {
        // An assignment to `__proto__` would set the prototype; the parser's prototype guard owns both keys.
        if (key === '__proto__' || key === 'constructor') throw UNUSUAL;
        this.#key(key);
        // Strings, the most common member, without the general step.
        this.#stringValue(item);
        out[key] = item;
        continue;
      }
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      if (key === '__proto__' || key === 'constructor') throw UNUSUAL;
      this.#key(key);
      out[key] = this.copy(item, depth + 1);
    }
    return out;
  }
}

/** Bytes of a string's JSON text: exact for printable ASCII, an upper bound otherwise. */
export function stringBytes(value: string): number {
  return 2 + (plainAscii(value) ? value.length : MAX_BYTES_PER_UNIT * value.length);
}

/** Whether every code unit of `value` is printable ASCII that JSON writes as itself (no escape). */
function plainAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!plainUnit(value.charCodeAt(i))) return false;
  return true;
}

/** Whether JSON writes code unit `c` as itself, in one byte: printable ASCII but `"` and `\`. */
function plainUnit(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;
}

/** Bytes of a number's JSON text: exact for safe integers, an upper bound otherwise. */
export function numberBytes(value: number): number {
  if (!Number.isSafeInteger(value)) return MAX_NUMBER_BYTES;
  let bytes = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) bytes++;
  return bytes;
}
