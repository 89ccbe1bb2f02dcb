/** One request as a transport carries it: an ordinary call or a whole batch envelope. */
export interface WireRequest {
  method: string;
  /** Path with query, starting with `/`. */
  url: string;
  headers: Record<string, string>;
  /** A JSON value, or undefined for no body. */
  body?: unknown;
  signal?: AbortSignal;
  /** Set for batches: called with each sub-response (the dialect's item) as soon as it arrives. */
  onItem?: (item: unknown, index: number) => void;
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
