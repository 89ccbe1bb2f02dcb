import {
  BAD_TARGET,
  badTarget,
  type Engine,
  type EngineResponse,
  hasBody,
  originForm,
  RestBatchError,
  responseHeaders,
} from '@restbatch/core';
import {
  clientGone,
  finalLine,
  type HttpTransportOptions,
  NDJSON_HEADERS,
  ndjsonLine,
  serialize,
  TOO_LARGE,
  tooLarge,
  wantsNdjson,
  reportResponse,
  writeFailed,
  writeTimeoutOf,
} from './http-options.js';
import { firstMediaType } from './first-media-type.js';
import { mayBeLarge, wholeOrChunks } from './json-in-turns.js';
import { readWebBody } from './read-web-body.js';
import { webChunkStream } from './web-chunk-stream.js';
import { webLineStream } from './web-line-stream.js';

/**
 * A WHATWG fetch handler, as Hono, Bun, Deno and edge runtimes take it. `info` is what the runtime
 * passes next to the request (Deno's `ServeHandlerInfo`, Bun's `Server`, Hono's `getConnInfo(c)`),
 * handed as is to {@link FetchHandlerOptions.remoteAddress}.
 */
export type FetchHandler<Info = unknown> = (request: Request, info?: Info) => Promise<Response>;

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions<Info = unknown> extends HttpTransportOptions {
  /**
   * The client's address, which keys the rate limit, the sessions and the idempotency records of
   * callers without an identity. A fetch `Request` carries no address: without this option every
   * client of the handler counts as one caller and shares one quota. Examples: Deno
   * `(_req, info) => info?.remoteAddr.hostname`, Bun `(req, server) => server?.requestIP(req)?.address`,
   * Hono on Node `(_req, info) => info?.remote.address` with `handle(c.req.raw, getConnInfo(c))`.
   */
  remoteAddress?: (request: Request, info: Info | undefined) => string | undefined;
  /**
   * The request target as the client sent it (RFC 9112 §3.2), where the runtime still has it.
   * `request.url` is the target after WHATWG URL parsing, which resolves dot segments, encoded
   * ones too (`/api/%2E%2E/rest/batch` becomes `/rest/batch`): without this option the handler
   * cannot refuse them as the node handler does (400 `INVALID_PATH`), and serves the resolved path.
   * Hono on `@hono/node-server`: `(_req, c) => c?.env?.incoming?.url` with `handle(c.req.raw, c)`.
   * Undefined falls back to `request.url`'s path and query.
   */
  requestTarget?: (request: Request, info: Info | undefined) => string | undefined;
}

/**
 * Creates the fetch transport: the same reading, limits, streaming and answers as the node:http
 * handler, for runtimes that speak `Request -> Response`. One difference the handler cannot undo
 * alone: a path with dot segments is seen resolved, unless
 * {@link FetchHandlerOptions.requestTarget} gives the target as sent.
 */
export function createFetchHandler<Info = unknown>(engine: Engine, options: FetchHandlerOptions<Info> = {}): FetchHandler<Info> {
  const limit = options.maxBodyBytes ?? engine.limits.maxBodyBytes;
  const writeTimeoutMs = writeTimeoutOf(options);
  return async (request, info) => {
    const started = performance.now();
    const head = request.method.toUpperCase() === 'HEAD';
    const url = urlOf(request, options.requestTarget?.(request, info));
    const answer = (response: EngineResponse, extra?: Record<string, string>, written: () => void = () => undefined) =>
      answerOf(engine, url === BAD_TARGET ? '/' : url, response, head, writeTimeoutMs, written, extra);
    if (url === BAD_TARGET) return answer(engine.errorResponse('/', badTarget()), { connection: 'close' });
    const report = (response: EngineResponse, streamed: boolean) =>
      reportResponse(engine, options, request.method, url, response, streamed, started);
    const refused = () => ({ method: request.method, url, headers: headersOf(request), transport: 'http' });
    const body = await readWebBody(request, limit);
    if (body === TOO_LARGE) {
      // The rest of the body is never read: close the connection instead of draining it.
      const response = tooLarge(engine, refused(), limit);
      report(response, false);
      return answer(response, { connection: 'close' });
    }
    if (body instanceof RestBatchError) {
      const response = engine.refuse(refused(), body);
      report(response, false);
      return answer(response);
    }
    // Our own controller, so that a cancelled or stalled response stream aborts the batch as well.
    const controller = new AbortController();
    const onAbort = () => controller.abort(clientGone());
    request.signal.addEventListener('abort', onAbort, { once: true });
    // Settled once the answer is taken or dropped: until then the batch's results count against
    // limits.maxResultBytesInFlight (EngineRequest.written), as the node handler's do, so that
    // answers a slow reader holds in a stream are counted too.
    let taken = () => {};
    const written = new Promise<void>((resolve) => {
      taken = resolve;
    });
    const lines = wantsNdjson(engine, url, request.headers.get('accept')) ? webLineStream(writeTimeoutMs, onAbort, taken) : undefined;
    let firstItem: () => void = () => undefined;
    const itemSeen = new Promise<boolean>((resolve) => {
      firstItem = () => resolve(true);
    });
    const done = engine
      .dispatch({
        method: request.method,
        url,
        headers: headersOf(request),
        body,
        signal: controller.signal,
        transport: 'http',
        remoteAddress: options.remoteAddress?.(request, info),
        onResult:
          lines === undefined
            ? undefined
            : (item) => {
                firstItem();
                return lines.write(ndjsonLine(item));
              },
        // The lines carry every result: no answer is made of them (one that streamed nothing has its body).
        streamOnly: lines !== undefined,
        written,
      })
      .finally(() => request.signal.removeEventListener('abort', onAbort));
    // A batch rejected whole streams nothing: it gets a normal JSON answer.
    if (lines === undefined || !(await Promise.race([itemSeen, done.then(() => false)]))) {
      const response = await done;
      report(response, false);
      return answer(response, undefined, taken);
    }
    done.then((response) => {
      report(response, true);
      lines.end(finalLine(response));
    });
    return new Response(lines.stream, {
      status: 200,
      headers: { ...engine.streamHeaders(url, headersOf(request)), ...NDJSON_HEADERS },
    });
  };
}

/**
 * The path and query the engine is given: of the target as sent, read as the node handler reads
 * `req.url` (see {@link originForm}); else of `request.url`, which the runtime built from the
 * target and Host (only its path and query are used).
 */
function urlOf(request: Request, target: string | undefined): string | typeof BAD_TARGET {
  if (target !== undefined) return originForm(target);
  const parsed = new URL(request.url);
  return `${parsed.pathname}${parsed.search}`;
}

/**
 * The request's headers as node:http hands them to the engine. The runtime joined a repeated
 * line's values with ", ", as node does, but of Content-Type node keeps the first line (see
 * {@link firstMediaType}). Other names node keeps the first of are left as joined: the engine reads
 * them for presence only (If-Modified-Since, If-Unmodified-Since) or not at all, and their values
 * hold commas of their own (an HTTP-date, Authorization's auth-params, a User-Agent's comment), so
 * the first line cannot be told from the rest.
 */
function headersOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (name === 'content-type') out[name] = firstMediaType(value);
    // `Headers` hands Set-Cookie line by line (Fetch, "sort and combine"): joined as the engine folds node's array of them.
    else if (name === 'set-cookie' && out[name] !== undefined) out[name] = `${out[name]}, ${value}`;
    else out[name] = value;
  });
  return out;
}

/**
 * {@link toResponse}, or, when the runtime refuses its status or a header (`new Response` throws:
 * a custom dialect's header, say), the logged 500 of {@link writeFailed}: the handler never rejects.
 * `written` runs once the answer no longer holds the batch's results (see {@link toResponse}).
 */
function answerOf(
  engine: Engine,
  url: string,
  response: EngineResponse,
  head: boolean,
  writeTimeoutMs: number,
  written: () => void,
  extra?: Record<string, string>,
): Response {
  try {
    return toResponse(engine, response, head, writeTimeoutMs, written, extra);
  } catch (error) {
    return toResponse(engine, writeFailed(engine, url, error), head, writeTimeoutMs, written);
  }
}

/**
 * The whole answer; to HEAD, its status and headers (with the GET body's length) and no body. An
 * answer of more than 1 Mi characters (see `wholeOrChunks`) goes as a stream of its JSON made as
 * the client reads, in the engine's turns of the event loop (as the node handler's), which errors
 * when the client stops reading for `writeTimeoutMs` ({@link webChunkStream}). `written` runs
 * once the Response is made, or for that stream once its last chunk is made or it is cancelled or
 * errored: until then the batch's results count in flight.
 */
function toResponse(
  engine: Engine,
  response: EngineResponse,
  head: boolean,
  writeTimeoutMs: number,
  written: () => void,
  extra?: Record<string, string>,
): Response {
  const status = response.status;
  if (!head && hasBody(response) && typeof response.body === 'object' && mayBeLarge(response)) {
    const json = wholeOrChunks(response.body, engine.nextTurn.bind(engine));
    const headers = { ...responseHeaders(response), ...extra };
    if (typeof json !== 'string') return new Response(webChunkStream(json, writeTimeoutMs, written), { status, headers });
    const whole = new Response(json, { status, headers });
    written();
    return whole;
  }
  const serialized = serialize(response);
  const headers = extra === undefined ? serialized.headers : { ...serialized.headers, ...extra };
  const { body } = serialized;
  if (head && body !== undefined) headers['content-length'] = String(new TextEncoder().encode(body).byteLength);
  const whole = new Response(head ? null : (body ?? null), { status, headers });
  written();
  return whole;
}
