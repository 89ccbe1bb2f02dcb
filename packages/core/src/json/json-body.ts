import type { JsonLimits } from './check-json-limits.js';
import { ownKeysOnly } from './own-keys-only.js';

/** Thrown inside the copy when a value needs JSON.stringify's full rules. */
const UNUSUAL: unique symbol = Symbol('unusual');
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Deeper than this, the copy gives up and the text is parsed (which also reports cycles). */
const MAX_DEPTH = 512;
/** Most UTF-8 bytes one UTF-16 code unit of a string can take in JSON text (`\u001f`). */
const MAX_BYTES_PER_UNIT = 6;
/** Most bytes of JSON text one number can take (`-1.2345678901234567e-308`). */
const MAX_NUMBER_BYTES = 25;

/** Limits checked on a {@link JsonBody} (the engine's, see `EngineLimits`). */
export interface JsonBodyLimits extends JsonLimits {
  maxBodyBytes: number;
}

/** What {@link JsonBody.within} returns when only the text path can judge the body. */
export const NOT_WITHIN: unique symbol = Symbol('not within');

/**
 * A JSON body an in-process transport holds as a value (the direct transport): copied at once,
 * exactly as `JSON.parse(JSON.stringify(value))` would make it, so the engine shares nothing with
 * the caller and skips serializing and parsing. Its JSON text is made only when needed. Anything
 * unusual (a `toJSON`, a class instance, a `__proto__` or `constructor` key, deep nesting) is
 * serialized at once instead and takes the text path, as if the transport had sent text.
 */
export class JsonBody {
  /** The copy; undefined when the body is text only, or once {@link JsonBody.take} handed it over. */
  #value: unknown;
  #taken = false;
  #text: string | undefined;
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
  /** The bound past which strings are scanned as they are copied (a quarter of the limit the body is for). */
  readonly #scanAfter: number;
  /** Whether Object.prototype lists enumerable keys (read once per body). */
  readonly #inherited = !ownKeysOnly();

  private constructor(value: unknown, limitBytes: number | undefined) {
    this.#scanAfter = limitBytes === undefined ? Number.POSITIVE_INFINITY : limitBytes / 4;
    try {
      this.#value = this.#copy(value, 0);
    } catch (error) {
      if (error !== UNUSUAL) throw error;
      this.#value = undefined;
      this.#text = JSON.stringify(value);
    }
  }

  /**
   * The body for `value`, or undefined when JSON has no text for it (undefined, a function).
   * `limitBytes`: the byte limit it will be judged against (the engine's `maxBodyBytes`), if known:
   * a large body then knows its size closely from its one copy walk.
   */
  static of(value: unknown, limitBytes?: number): JsonBody | undefined {
    const body = new JsonBody(value, limitBytes);
    return body.#value === undefined && body.#text === undefined ? undefined : body;
  }

  /** The JSON text of the body (made on first use; not after {@link JsonBody.take} handed the copy over, unless made before). */
  get text(): string {
    if (this.#text === undefined && this.#taken) throw new Error('JsonBody: its value was taken; read its text before taking it');
    this.#text ??= JSON.stringify(this.#value);
    return this.#text;
  }

  /**
   * {@link JsonBody.within}, and the body lets go of its copy when it hands it over: the engine reads
   * a body once, and a large batch would otherwise keep the whole copy (every call's envelope, long
   * decoded) until its answer. Then `within` and `take` answer {@link NOT_WITHIN}.
   */
  take(limits: JsonBodyLimits): unknown {
    const value = this.within(limits);
    if (value !== NOT_WITHIN) {
      this.#value = undefined;
      this.#taken = true;
    }
    return value;
  }

  /**
   * The copy when it is certainly within `limits` (bytes, depth, string length); {@link NOT_WITHIN}
   * when the text must be read to judge (then the text path gives exactly the answer it always gave).
   */
  within(limits: JsonBodyLimits): unknown {
    if (this.#value === undefined || this.#taken) return NOT_WITHIN;
    if (this.#depth > limits.maxDepth) return NOT_WITHIN;
    // A string's length in the text counts its escapes: at most six code units for each one.
    if (this.#longest * MAX_BYTES_PER_UNIT > limits.maxStringLength) return NOT_WITHIN;
    // Cheap bound first; near the limit a walk of the copy bounds it closely (exact for printable
    // ASCII), and only past that bound does the text itself decide.
    const limit = limits.maxBodyBytes;
    if (
      this.#bytes + (MAX_BYTES_PER_UNIT - 1) * Math.max(this.#units, 0) > limit &&
      boundBytes(this.#value) > limit &&
      Buffer.byteLength(this.text) > limit
    ) {
      return NOT_WITHIN;
    }
    return this.#value;
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

  /** Checked after each item of an array: from here on strings are scanned (see `#string`). */
  #scanFromNow(): void {
    if (this.#units >= 0 && this.#bytes + (MAX_BYTES_PER_UNIT - 1) * this.#units > this.#scanAfter) {
      // The units so far stay at their bound; a negative count marks the switch.
      this.#bytes += (MAX_BYTES_PER_UNIT - 1) * this.#units;
      this.#units = -1;
    }
  }

  #copy(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        this.#string(value);
        return value;
      case 'boolean':
        this.#bytes += 5;
        return value;
      case 'number':
        this.#bytes += numberBytes(value);
        // JSON writes NaN and the infinities as null, and -0 as 0.
        return Number.isFinite(value) ? value + 0 : null;
      case 'object':
        if (value === null) {
          this.#bytes += 4;
          return null;
        }
        if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
        if (depth >= this.#depth) this.#depth = depth + 1;
        this.#bytes += 2;
        return Array.isArray(value) ? this.#array(value, depth) : this.#object(value as Record<string, unknown>, depth);
      default:
        // undefined, functions, symbols and bigints at this place follow JSON's own rules.
        throw UNUSUAL;
    }
  }

  #array(value: unknown[], depth: number): unknown[] {
    if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
    const length = value.length;
    const out = new Array<unknown>(length);
    this.#bytes += length;
    for (let i = 0; i < length; i++) {
      const item = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        this.#bytes += 4;
        out[i] = null;
      } else {
        out[i] = this.#copy(item, depth + 1);
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
    const out: Record<string, unknown> = {};
    for (const key in value) {
      const item = value[key];
      const type = typeof item;
      if (type === 'undefined' || type === 'function' || type === 'symbol') continue;
      // An assignment to `__proto__` would set the prototype; the parser's prototype guard owns both keys.
      if (key === '__proto__' || key === 'constructor') throw UNUSUAL;
      this.#string(key);
      this.#bytes += 2;
      // Strings, the most common member, without the general step.
      if (type === 'string') {
        this.#string(item as string);
        out[key] = item;
      } else out[key] = this.#copy(item, depth + 1);
    }
    return out;
  }
}

/**
 * An upper bound of the UTF-8 bytes of the JSON text of `value`, a copy made by {@link JsonBody}
 * (plain data only), exact for printable ASCII: a bound six times too high would send a large batch
 * down the text path (a JSON.stringify of the whole body) long before its limit.
 */
function boundBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'boolean':
      return 5;
    case 'number':
      return numberBytes(value);
    case 'object': {
      if (value === null) return 4;
      let bytes = 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) bytes += 1 + boundBytes(value[i]);
        return bytes;
      }
      for (const key of Object.keys(value)) bytes += stringBytes(key) + 2 + boundBytes((value as Record<string, unknown>)[key]);
      return bytes;
    }
    default:
      return 0;
  }
}

function stringBytes(value: string): number {
  return 2 + (plainAscii(value) ? value.length : MAX_BYTES_PER_UNIT * value.length);
}

/** Whether every code unit of `value` is printable ASCII that JSON writes as itself (no escape). */
function plainAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Bytes of a number's JSON text: exact for safe integers, an upper bound otherwise. */
function numberBytes(value: number): number {
  if (!Number.isSafeInteger(value)) return MAX_NUMBER_BYTES;
  let bytes = value < 0 ? 2 : 1;
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) bytes++;
  return bytes;
}
