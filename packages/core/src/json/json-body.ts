import { RestBatchError } from '../errors/restbatch-error.js';
import { withCode } from '../errors/setup-error-codes.js';
import { type JsonBodyLimits, JsonCopy, numberBytes, stringBytes, UNUSUAL } from './json-copy.js';
import { utf8Length } from './utf8-length.js';

export type { JsonBodyLimits } from './json-copy.js';

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
  /** What the copy counted of the text (see JsonCopy). */
  readonly #counts: JsonCopy;
  /**
   * An upper bound of the memory the body holds, in bytes: its copy (see `JsonCopy.inputBytes`), or
   * its text, two bytes per character, when it has no copy. What the engine charges against
   * `limits.maxInputBytesInFlight` from when it gets the body (the body already exists).
   */
  readonly inputBytes: number;

  private constructor(value: unknown, limitBytes: number | undefined) {
    this.#counts = new JsonCopy(limitBytes);
    try {
      this.#value = this.#counts.copy(value, 0);
      this.inputBytes = this.#counts.inputBytes();
    } catch (error) {
      if (error !== UNUSUAL) throw error;
      this.#value = undefined;
      this.#text = writtenAsJson(value);
      // JSON has no text for undefined (or a function): JsonBody.of answers no body.
      this.inputBytes = this.#text === undefined ? 0 : 2 * this.#text.length;
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
    if (this.#text === undefined && this.#taken)
      throw withCode(new Error('JsonBody: its value was taken; read its text before taking it'), 'BODY_MISUSED');
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
    const judged = this.#counts.judge(limits);
    if (judged === false) return NOT_WITHIN;
    // Cheap bound first; near the limit a walk of the copy bounds it closely (exact for printable
    // ASCII), and only past that bound does the text itself decide.
    const limit = limits.maxBodyBytes;
    if (judged === 'near' && boundBytes(this.#value) > limit && utf8Length(this.text) > limit) return NOT_WITHIN;
    return this.#value;
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

/**
 * `JSON.stringify(value)`, its own refusals (a BigInt or a cycle: TypeError; nesting past its stack:
 * RangeError) thrown as 400 `BODY_UNWRITABLE`, so every path that takes a body as a value (the direct
 * transport, `inject`, a host framework's parsed body) answers them alike.
 */
function writtenAsJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError)
      throw new RestBatchError('BODY_UNWRITABLE', `The body cannot be written as JSON: ${error.message}`, { cause: error });
    throw error;
  }
}
