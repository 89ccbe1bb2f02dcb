/** One request as a transport carries it: an ordinary call or a whole batch envelope. */
export interface WireRequest {
  method: string;
  /** Path with query, starting with `/`. */
  url: string;
  headers: Record<string, string>;
  /** A JSON value, or undefined for no body. */
  body?: unknown;
  signal?: AbortSignal;
  /**
   * Set for batches: called with each sub-response (the dialect's item) as soon as it arrives; or,
   * with {@link WireRequest.readsResults}, with `item` undefined and the sub-response as `result`.
   */
  onItem?: (item: unknown, index: number, result?: WireResult) => void;
  /**
   * Set with `onItem` when the batch's dialect can read a sub-response without an error as a
   * {@link WireResult}: a transport that has sub-responses as such (direct) may then hand them so,
   * and make no item of them. Transports that carry items (HTTP, WebSocket) ignore it.
   */
  readsResults?: boolean;
}

/** A sub-response as its status, headers and body (a transport hands it instead of an item, see {@link WireRequest.readsResults}). */
export interface WireResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The answer. `summary` is set when the transport streamed the items (they are then not in `body`). */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  summary?: BatchSummary;
}

/** How many sub-requests succeeded, failed and were skipped. */
export interface BatchSummary {
  succeeded: number;
  failed: number;
  skipped: number;
}

/** Carries requests to the server; HTTP, WebSocket and direct have one shape. */
export interface Transport {
  send(request: WireRequest): Promise<WireResponse>;
  /** Releases what the transport holds (the WebSocket connection). */
  close?(): Promise<void>;
}
