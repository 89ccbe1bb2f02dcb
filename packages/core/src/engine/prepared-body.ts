import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledEndpoint } from './compiled-api.js';

/**
 * A batch body an in-process transport handed over already decoded (see `Engine.prepareBody`):
 * made of the caller's value in one pass, sharing nothing with it. It is read once, by the batch
 * endpoint and URL it was prepared for.
 */
export class PreparedBody {
  readonly #url: string;
  readonly #endpoint: CompiledEndpoint;
  #batch: DecodedBatch | undefined;

  /** @internal Made by the engine only. */
  constructor(url: string, endpoint: CompiledEndpoint, batch: DecodedBatch) {
    this.#url = url;
    this.#endpoint = endpoint;
    this.#batch = batch;
  }

  /** The decoded batch, handed over once; it must be sent to the URL it was prepared for. */
  take(url: string, endpoint: CompiledEndpoint): DecodedBatch {
    const batch = this.#batch;
    if (batch === undefined) throw new Error('PreparedBody: a prepared body is read once; prepare one per request');
    if (url !== this.#url || endpoint !== this.#endpoint) throw new Error(`PreparedBody: prepared for ${this.#url}, sent to ${url}`);
    this.#batch = undefined;
    return batch;
  }
}
