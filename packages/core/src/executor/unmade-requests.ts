import { NO_QUERY } from '../engine/parse-url.js';
import type { SubRequest } from '../model/canonical.js';
import type { HttpMethod } from '../model/http-method.js';
import { NO_HEADERS } from './sub-results.js';

/**
 * A large plain batch's sub-requests that wait to run, each kept as its method, path and payload
 * (three slots of one array from `3 * index`; see `markPlainRequests`) and made again when it is
 * admitted: until then the batch holds no object per sub-request. Young-generation GC copies every
 * object it finds alive and promotes what it finds twice; one array per batch it copies as one.
 * `BatchRun` uses it only when nothing reads a later sub-request before that one runs.
 */
export class UnmadeRequests {
  readonly #requests: (SubRequest | undefined)[];
  readonly #parts: unknown[];

  /**
   * Takes each plain sub-request of `requests` (its position as its index, the shared empty query
   * and headers) out of it; {@link UnmadeRequests.remake} puts each back.
   */
  constructor(requests: (SubRequest | undefined)[]) {
    this.#requests = requests;
    const parts = new Array<unknown>(3 * requests.length);
    for (let i = 0; i < requests.length; i++) {
      const sub = requests[i];
      if (sub === undefined || sub.index !== i || sub.query !== NO_QUERY || sub.headers !== NO_HEADERS) continue;
      parts[3 * i] = sub.method;
      parts[3 * i + 1] = sub.path;
      parts[3 * i + 2] = sub.body;
      requests[i] = undefined;
    }
    this.#parts = parts;
  }

  /** Makes sub-request `i` again of its parts, unless it is there (it was not taken out). */
  remake(i: number): void {
    const requests = this.#requests;
    if (requests[i] !== undefined) return;
    const parts = this.#parts;
    const at = 3 * i;
    // The fields in the decoder's order: the same shape as the sub-requests it made.
    requests[i] = {
      index: i,
      method: parts[at] as HttpMethod,
      path: parts[at + 1] as string,
      query: NO_QUERY,
      headers: NO_HEADERS,
      body: parts[at + 2],
    };
    // The payload is the sub-request's now (released with it once it ran).
    parts[at + 1] = undefined;
    parts[at + 2] = undefined;
  }
}
