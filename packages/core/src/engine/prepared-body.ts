import type { DecodeContext, DecodedBatch } from '../dialects/dialect.js';
import { decodedValuesHoldDollar, markNoReferences } from '../executor/no-references.js';
import { JsonCopy } from '../json/json-copy.js';
import { withCode } from '../errors/setup-error-codes.js';
import type { CompiledEndpoint } from './compiled-api.js';
import type { EngineLimits } from './engine-options.js';

/**
 * A batch body an in-process transport handed over already decoded (see `Engine.prepareBody`):
 * made of the caller's value in one pass, sharing nothing with it. It is read once, by the batch
 * endpoint and URL it was prepared for.
 */
export class PreparedBody {
  readonly #url: string;
  readonly #endpoint: CompiledEndpoint;
  #batch: DecodedBatch | undefined;

  /**
   * @internal Made by the engine only. `inputBytes`: an upper bound of the memory the decoded batch
   * holds (see `JsonCopy.inputBytes`: the whole value it was read from, what it copied being part of it).
   */
  constructor(
    url: string,
    endpoint: CompiledEndpoint,
    batch: DecodedBatch,
    readonly inputBytes: number,
  ) {
    this.#url = url;
    this.#endpoint = endpoint;
    this.#batch = batch;
  }

  /** The decoded batch, handed over once; it must be sent to the URL it was prepared for. */
  take(url: string, endpoint: CompiledEndpoint): DecodedBatch {
    const batch = this.#batch;
    if (batch === undefined)
      throw withCode(new Error('PreparedBody: a prepared body is read once; prepare one per request'), 'BODY_MISUSED');
    if (url !== this.#url || endpoint !== this.#endpoint)
      throw withCode(new Error(`PreparedBody: prepared for ${this.#url}, sent to ${url}`), 'BODY_MISUSED');
    this.#batch = undefined;
    return batch;
  }
}

/**
 * The batch `value` sent to `endpoint` decoded now by its dialect's value decoder, or undefined
 * when the copy's path must judge it: no value decoder (or one a replaced `decode` no longer
 * matches), a decode that throws (its error is reported after admission, by `decode`), or a body
 * not certainly within the limits.
 */
export function prepareBatch(
  url: string,
  endpoint: CompiledEndpoint,
  context: Omit<DecodeContext, 'maxSubRequests'>,
  limits: Readonly<EngineLimits>,
  value: unknown,
): PreparedBody | undefined {
  const decoder = endpoint.dialect.valueDecoder;
  // A dialect that replaced the `decode` its value decoder stands for (a spread of another) has none.
  if (decoder === undefined || decoder.decode !== endpoint.dialect.decode) return undefined;
  const reader = new JsonCopy(limits.maxBodyBytes, true);
  let batch: DecodedBatch;
  try {
    const maxSubRequests = Math.min(endpoint.maxSubRequests, limits.maxSubRequests);
    batch = decoder.decodeValue(value, { ...context, maxSubRequests }, reader);
  } catch {
    return undefined;
  }
  if (reader.judge(limits) !== true) return undefined;
  // Paths and bodies are the copied values' own text (see `ValueDecoder`), which the reader saw.
  if (!reader.sawDollar && !decodedValuesHoldDollar(batch)) markNoReferences(batch);
  return new PreparedBody(url, endpoint, batch, reader.inputBytes());
}
