import type { JsonBody } from '../json/json-body.js';
import type { PreparedBody } from './prepared-body.js';
import type { BatchSummary, Headers, SubResult } from '../model/canonical.js';

/** An outer request as a transport hands it to the engine: bytes in, nothing decided. */
export interface EngineRequest {
  /** The outer HTTP method (`POST` for batches). */
  method: string;
  /** Path with an optional query string: `/rest/batch?config=Sales`. */
  url: string;
  /** Header values as Node gives them; names in any case. */
  headers?: Record<string, string | string[] | undefined>;
  /**
   * The raw body, or a JSON value an in-process transport copied ({@link JsonBody}), or a batch it
   * had the engine decode at call time ({@link PreparedBody}, see `Engine.prepareBody`).
   */
  body?: string | Uint8Array | JsonBody | PreparedBody;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
  /** `http`, `ws`, `direct`, ... (for hooks and logs). */
  transport?: string;
  remoteAddress?: string;
  /**
   * The connection a request came on, for a transport that runs many outer requests on one
   * connection (WebSocket: the upgrade request's `X-Request-Id`, else a fresh id): logged with the
   * `batch` line and set on the request's span as `restbatch.connection_id`. Kept when it is a
   * plain token, as a request id is.
   */
  connectionId?: string;
  /**
   * Called with each sub-result, in the dialect's item shape, as soon as it is final. A returned
   * promise is backpressure: the batch waits for it before the next sub-request starts, and a
   * rejection stops the batch (the rest is skipped with the rejection's error). `kept` is true when
   * a later step of the batch still reads the result's value (a reference, the final answer): a
   * reader that may change the item must then copy it first.
   */
  onResult?: (item: unknown, result: SubResult, kept: boolean) => void | Promise<void>;
  /**
   * With `onResult`: the transport takes every streamed item and needs no final body (the batch
   * answers `body: undefined`), so items that nothing later reads are handed out with `kept` false.
   * Ignored for a batch answered under an Idempotency-Key, whose answer is kept to replay; a batch
   * of no sub-request (nothing streamed) is answered with its body.
   */
  streamOnly?: boolean;
  /**
   * With `onResult`: a result without an error is handed without its item (`item` is undefined),
   * for a transport that reads the canonical `result` itself (the in-process client); the dialect's
   * item is then never made for it. A result with an error still comes with its item, as only the
   * dialect knows how its error body reads. `kept` applies to `result.body` as it does to an item.
   * Honoured only for a dialect whose `plainResults` names its `encodeResult` (Exago's and
   * Guidewire's own); any other dialect's results come with their items, as without the option.
   */
  itemsOfErrorsOnly?: boolean;
  /**
   * Settles once the transport has written the whole answer or dropped it (the client went away).
   * Until then a batch's results stay charged to `limits.maxResultBytesInFlight`, so answers that
   * wait in a transport's write buffer for a slow reader count too; without it they are given back
   * when `dispatch` resolves. It must settle whatever happens (resolve or reject), or the characters
   * stay charged for ever.
   */
  written?: PromiseLike<unknown>;
}

/** The engine's answer; the transport serializes `body` as JSON (unless it is undefined). */
export interface EngineResponse {
  status: number;
  headers: Headers;
  body: unknown;
  /** `batch` for batch endpoints, `call` for ordinary routes. */
  kind: 'batch' | 'call';
  /** The batch's summary, for a batch that ran (streaming transports send it last). */
  summary?: BatchSummary;
  /**
   * Characters of JSON results a batch's answer holds (as `limits.maxResultBytes` counts them), for
   * a transport that writes a large answer otherwise than a small one; undefined for other answers.
   */
  resultChars?: number;
}
