import type { Engine, EngineResponse } from '@restbatch/core';
import {
  clientGone,
  finalLine,
  type HttpTransportOptions,
  NDJSON_TYPE,
  ndjsonLine,
  serialize,
  TOO_LARGE,
  tooLarge,
  wantsNdjson,
  writeTimeoutOf,
} from './http-options.js';
import { readWebBody } from './read-web-body.js';
import { webLineStream } from './web-line-stream.js';

/** A WHATWG fetch handler, as Hono, Bun, Deno and edge runtimes take it. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions extends HttpTransportOptions {
  /** The client's address, where the runtime exposes it (Bun's `server.requestIP`, Deno's `info.remoteAddr`). */
  remoteAddress?: (request: Request) => string | undefined;
}

/**
 * Creates the fetch transport: the same reading, limits, streaming and answers as the node:http
 * handler, for runtimes that speak `Request -> Response`.
 */
export function createFetchHandler(engine: Engine, options: FetchHandlerOptions = {}): FetchHandler {
  const limit = options.maxBodyBytes ?? engine.limits.maxBodyBytes;
  const writeTimeoutMs = writeTimeoutOf(options);
  return async (request) => {
    const started = performance.now();
    // The runtime builds `request.url` from the target and Host: only its path and query are used.
    const parsed = new URL(request.url);
    const url = `${parsed.pathname}${parsed.search}`;
    const head = request.method.toUpperCase() === 'HEAD';
    const report = (response: EngineResponse, streamed: boolean) =>
      options.onResponse?.({
        method: request.method,
        url,
        status: streamed ? 200 : response.status,
        kind: response.kind,
        summary: response.summary,
        streamed,
        ms: performance.now() - started,
      });
    const body = await readWebBody(request, limit);
    if (body === TOO_LARGE) {
      const response = tooLarge(engine, url, limit, headersOf(request));
      report(response, false);
      return toResponse(response, head);
    }
    // Our own controller, so that a cancelled or stalled response stream aborts the batch as well.
    const controller = new AbortController();
    const onAbort = () => controller.abort(clientGone());
    request.signal.addEventListener('abort', onAbort, { once: true });
    const lines = wantsNdjson(engine, url, request.headers.get('accept')) ? webLineStream(writeTimeoutMs, onAbort) : undefined;
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
        remoteAddress: options.remoteAddress?.(request),
        onResult:
          lines === undefined
            ? undefined
            : (item) => {
                firstItem();
                return lines.write(ndjsonLine(item));
              },
      })
      .finally(() => request.signal.removeEventListener('abort', onAbort));
    // A batch rejected whole streams nothing: it gets a normal JSON answer.
    if (lines === undefined || !(await Promise.race([itemSeen, done.then(() => false)]))) {
      const response = await done;
      report(response, false);
      return toResponse(response, head);
    }
    done.then((response) => {
      report(response, true);
      lines.end(finalLine(response));
    });
    return new Response(lines.stream, { status: 200, headers: { 'content-type': NDJSON_TYPE, 'cache-control': 'no-cache' } });
  };
}

function headersOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** The whole answer; to HEAD, its status and headers (with the GET body's length) and no body. */
function toResponse(response: EngineResponse, head: boolean): Response {
  const { headers, body } = serialize(response);
  if (!head || body === undefined) return new Response(body ?? null, { status: response.status, headers });
  headers['content-length'] = String(new TextEncoder().encode(body).byteLength);
  return new Response(null, { status: response.status, headers });
}
