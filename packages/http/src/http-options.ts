import type { BatchSummary, Engine, EngineResponse } from '@restbatch/core';
import { acceptWeight, RestBatchError, serializeError, serializeResponse, withCode } from '@restbatch/core';

/** What a transport reports once it has answered one request (for access logs and metrics). */
export interface ResponseEvent {
  readonly method: string;
  /** Path with query, as received. */
  readonly url: string;
  readonly status: number;
  /** `batch` for batch endpoints, `call` for ordinary routes. */
  readonly kind: 'batch' | 'call';
  /** The batch's summary, when a batch ran. */
  readonly summary: BatchSummary | undefined;
  /** Whether the sub-responses were streamed as NDJSON. */
  readonly streamed: boolean;
  /** Time from the first byte read to the last byte written, in ms. */
  readonly ms: number;
}

/** Options shared by the node:http and the fetch handler. */
export interface HttpTransportOptions {
  /** Largest request body in bytes (default: the engine's `limits.maxBodyBytes`, which still applies). */
  maxBodyBytes?: number;
  /** Called once per answered request; it observes only and cannot change the answer. */
  onResponse?: (event: ResponseEvent) => void;
  /**
   * Longest wait, in ms, for a client that stopped reading a streamed (NDJSON) answer: while the
   * client does not read, the batch is paused; past this time the batch ends and the connection is
   * closed (default 30 000; 0 waits for ever). A whole answer that is not taken in this time has
   * its connection destroyed (node) or, over 1 Mi characters, its stream errored (fetch); so does
   * the end of a stream whose last lines are not taken in this time after its batch ended.
   */
  writeTimeoutMs?: number;
}

/** Default of {@link HttpTransportOptions.writeTimeoutMs}. */
export const DEFAULT_WRITE_TIMEOUT_MS = 30_000;

/**
 * The write timeout in effect (`writeTimeoutMs`, default {@link DEFAULT_WRITE_TIMEOUT_MS}); throws
 * when a transport is created with a value that is not a non-negative number of ms.
 */
export function writeTimeoutOf(options: Pick<HttpTransportOptions, 'writeTimeoutMs'>): number {
  const ms = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  if (!Number.isFinite(ms) || ms < 0)
    throw withCode(new Error(`writeTimeoutMs must be a non-negative number of ms, not ${ms}`), 'INVALID_OPTIONS');
  return ms;
}

/** Returned by the body readers instead of a body that is over the limit. */
export const TOO_LARGE: unique symbol = Symbol('too large');

/** The media type of the streamed answer. */
export const NDJSON_TYPE = 'application/x-ndjson; charset=utf-8';

/**
 * The headers every mount sends with a streamed answer (after the dialect's `engine.streamHeaders`):
 * its media type, no caching, and `X-Accel-Buffering: no` so that nginx passes each line on as it
 * comes instead of holding the answer in its buffer.
 */
export const NDJSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': NDJSON_TYPE,
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
});

/**
 * Whether the client asked for the streamed answer of a batch endpoint: its `Accept` weighs NDJSON
 * above JSON, or as high and names it (`application/x-ndjson`, not only `*\/*`), weighing each as
 * RFC 9110 §12.5.1 says (core's `acceptWeight`). So `application/json, application/x-ndjson;q=0`
 * is answered JSON, and `application/json;q=0, *\/*`, which rules JSON out, is streamed.
 */
export function wantsNdjson(engine: Engine, url: string, accept: string | null | undefined): boolean {
  const ndjson = acceptWeight(accept, 'application/x-ndjson');
  if (ndjson.q === 0) return false;
  const json = acceptWeight(accept, 'application/json');
  return (ndjson.q > json.q || (ndjson.q === json.q && ndjson.named)) && engine.isBatchEndpoint(url);
}

/** One NDJSON line. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * The last line of a stream: the summary of a batch that ran, or the dialect's error body of a
 * batch that failed after lines were already sent (the status line can no longer change).
 */
export function finalLine(response: EngineResponse): string {
  if (response.status < 400) return ndjsonLine({ summary: response.summary ?? null });
  return ndjsonLine({ error: response.body ?? null, status: response.status });
}

/** The serialized answer: core's, so that every HTTP transport writes the same bytes and content type. */
export const serialize = serializeResponse;

/**
 * The 413 answer for a body over `limit`, shaped by the dialect at the request's URL (with the
 * headers it answers to the request's), and observed as a refused request (`Engine.refuse`).
 */
export function tooLarge(engine: Engine, request: RefusedRequest, limit: number): EngineResponse {
  return engine.refuse(request, new RestBatchError('PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${limit} bytes`));
}

/** What a transport tells the engine of a request it refuses itself. */
export type RefusedRequest = Parameters<Engine['refuse']>[0];

/** The abort reason handed to the engine when the client goes away mid-request. */
export function clientGone(): RestBatchError {
  return new RestBatchError('ABORTED', 'The client closed the connection');
}

/** The reason a streamed batch ends when its client stopped reading for longer than the write timeout. */
export function readerStalled(ms: number): RestBatchError {
  return new RestBatchError('ABORTED', `The client did not read the streamed answer for ${ms} ms`);
}

/**
 * The answer to a body that middleware mounted before the handler read and kept nowhere the
 * handler can use; `fix` says how that middleware can leave it readable.
 */
export function bodyConsumed(fix: string): RestBatchError {
  return new RestBatchError(
    'INTERNAL',
    `The request body was consumed before restbatch read it: mount the restbatch handler before middleware that reads the body, or ${fix}`,
  );
}

/**
 * The answer when writing the engine's answer threw (a status or header node or fetch refuses, such
 * as a custom dialect's): logged with a correlation id, then 500 `INTERNAL` in the error shape of the
 * API at `url`, as any failure is, never a connection dropped without a word.
 */
export function writeFailed(engine: Engine, url: string, error: unknown): EngineResponse {
  const failure = new RestBatchError('INTERNAL', 'Internal server error', { expose: false });
  failure.correlationId = crypto.randomUUID();
  logWriteFailure(engine, url, error, failure.correlationId);
  return engine.errorResponse(url, failure);
}

/** Logs a write that threw (its answer is then 500, or the connection is closed when its head went out already). */
export function logWriteFailure(engine: Engine, url: string, error: unknown, correlationId: string | undefined): void {
  // Its session id scrubbed, as the engine's own lines are (`?sid=` grants the session).
  engine.logger.error({ correlationId, url: engine.redactUrl(url), err: serializeError(error) }, 'writing the answer failed');
}

/**
 * Tells `options.onResponse` of an answered request. It observes only: an error it throws is logged
 * and changes nothing (over HTTP/2 a whole answer may still be going out when it is called).
 */
export function reportResponse(
  engine: Engine,
  options: HttpTransportOptions,
  method: string,
  url: string,
  response: EngineResponse,
  streamed: boolean,
  started: number,
): void {
  const onResponse = options.onResponse;
  if (onResponse === undefined) return;
  try {
    onResponse({
      method,
      url,
      status: streamed ? 200 : response.status,
      kind: response.kind,
      summary: response.summary,
      streamed,
      ms: performance.now() - started,
    });
  } catch (error) {
    engine.logger.error({ url: engine.redactUrl(url), err: serializeError(error) }, 'onResponse threw');
  }
}
