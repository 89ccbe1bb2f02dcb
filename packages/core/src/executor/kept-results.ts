import type { SubResult } from '../model/canonical.js';
import { NO_HEADERS } from './sub-results.js';

/** Batches from this size on keep plain successes compactly (a smaller one ends before a scavenge finds it). */
const COMPACT_FROM = 256;

/**
 * The results of a batch, kept until its answer. A large batch keeps a plain success (its own
 * index, no id, no headers, no error) as its status in a typed array (off the JS heap) and its body:
 * a `SubResult` per sub-request held to the end would be copied by young-generation GC once or
 * twice per batch, a cost that grows with the batch. The others are kept as they are; {@link
 * KeptResults.all} makes the answer's array at the end.
 */
export class KeptResults {
  readonly length: number;
  /** A plain success's status; 0 where `#items` holds the whole result (or nothing yet). Undefined: not compact. */
  readonly #statuses: Uint16Array | undefined;
  /** A plain success's body, or the whole result. */
  readonly #items: unknown[];

  /** `compact`: the batch reads its results only through this keeper (no references, no streaming). */
  constructor(length: number, compact: boolean) {
    this.length = length;
    this.#items = new Array(length);
    this.#statuses = compact && length >= COMPACT_FROM ? new Uint16Array(length) : undefined;
  }

  /** The result of sub-request `i` (a new object for one kept compactly), undefined before it has one. */
  get(i: number): SubResult | undefined {
    const status = this.#statuses?.[i];
    if (status === undefined || status === 0) return this.#items[i] as SubResult | undefined;
    return { index: i, id: undefined, status, headers: NO_HEADERS, body: this.#items[i] };
  }

  /** Keeps `result` as the result of sub-request `i`. */
  set(i: number, result: SubResult): void {
    const statuses = this.#statuses;
    if (
      statuses !== undefined &&
      result.index === i &&
      result.id === undefined &&
      result.headers === NO_HEADERS &&
      result.error === undefined &&
      result.skipped === undefined &&
      (result.status & 0xffff) === result.status &&
      result.status > 0
    ) {
      statuses[i] = result.status;
      this.#items[i] = result.body;
      return;
    }
    if (statuses !== undefined) statuses[i] = 0;
    this.#items[i] = result;
  }

  /** Every result, in order (the batch's answer). */
  all(): SubResult[] {
    if (this.#statuses === undefined) return this.#items as SubResult[];
    const out = new Array<SubResult>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i) as SubResult;
    return out;
  }
}
