import { RestBatchError } from '../errors/restbatch-error.js';
import type { JsonShape } from '../json/json-shape.js';
import { structureBytes } from '../json/json-shape.js';
import type { InputPool } from './input-pool.js';

/**
 * What one request holds of the engine's {@link InputPool}: its body as the transport handed it
 * over, then the value parsed from its text, each charged before the engine keeps it (a text is
 * charged before `JSON.parse` makes anything). All of it is given back at once when the request
 * ends, whatever ended it; until then a batch's sub-requests keep their payloads.
 */
export class InputCharge {
  #taken = 0;

  constructor(private readonly pool: InputPool) {}

  /** Bytes this request holds now. */
  get taken(): number {
    return this.#taken;
  }

  /**
   * Takes `bytes` from the pool, or throws 503 `INPUT_BUSY` (with `Retry-After`) when they do not
   * fit in what the other requests leave. A request that is alone in the pool (no other holds
   * anything) always gets its charge, however large: a body the other limits let in is never
   * refused for good, and the pool then holds one such body at most.
   */
  take(bytes: number): void {
    // Nothing to hold (no body): never refused, even while the pool is over its size.
    if (bytes === 0) return;
    const pool = this.pool;
    const others = pool.used - this.#taken;
    if (others > 0 && bytes > pool.max - pool.used) {
      throw new RestBatchError(
        'INPUT_BUSY',
        `The request body (about ${bytes} bytes once read) does not fit in what is left of the ${pool.max} bytes of request bodies the server holds for all requests at once; retry later`,
        { details: { size: bytes, limit: pool.max }, headers: { 'retry-after': '1' } },
      );
    }
    this.#taken += bytes;
    pool.used += bytes;
  }

  /**
   * Charges the value `JSON.parse` is about to make of a text of `bytes` UTF-8 bytes with `shape`:
   * its strings' characters, two bytes per byte of text at most (a string with one character past
   * U+00FF keeps two bytes for each of its characters, ASCII ones too), and its structure.
   */
  takeParsed(bytes: number, shape: JsonShape): void {
    this.take(2 * bytes + structureBytes(shape));
  }

  /** Gives back all this request took (it ended). */
  release(): void {
    this.pool.used -= this.#taken;
    this.#taken = 0;
  }
}
