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
} from './http-options.js';
import { readWebBody } from './read-web-body.js';

/** A WHATWG fetch handler, as Hono, Bun, Deno and edge runtimes take it. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions extends HttpTransportOptions {
  /** The client's address, where the runtime exposes it (Bun's `server.requestIP`, Deno's `info.remoteAddr`). */
  remoteAddress?: (request: Request) => string | undefined;
}

const encoder = new TextEncoder();

/**
 * Creates the fetch transport: the same reading, limits, streaming and answers as the node:http
 * handler, for runtimes that speak `Request -> Response`.
 */
export function createFetchHandler(engine: Engine, options: FetchHandlerOptions = {}): FetchHandler {
  const limit = options.maxBodyBytes ?? engine.limits.maxBodyBytes;
  return async (request) => {
    const started = performance.now();
    const parsed = new URL(request.url);
    const url = `${parsed.pathname}${parsed.search}`;
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
      const response = tooLarge(engine, url, limit);
      report(response, false);
      return toResponse(response);
    }
    // Our own controller, so that a cancelled response stream aborts the batch as well.
    const controller = new AbortController();
    const onAbort = () => controller.abort(clientGone());
    request.signal.addEventListener('abort', onAbort, { once: true });
    const stream = wantsNdjson(engine, url, request.headers.get('accept'));
    let sink: ReadableStreamDefaultController<Uint8Array> | undefined;
    const pending: string[] = [];
    let firstItem: () => void = () => undefined;
    const itemSeen = new Promise<void>((resolve) => {
      firstItem = resolve;
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
        onResult: stream
          ? (item) => {
              const line = ndjsonLine(item);
              if (sink === undefined) pending.push(line);
              else if (!controller.signal.aborted) sink.enqueue(encoder.encode(line));
              firstItem();
            }
          : undefined,
      })
      .finally(() => request.signal.removeEventListener('abort', onAbort));
    if (stream) await Promise.race([itemSeen, done]);
    if (!stream || pending.length === 0) {
      const response = await done;
      report(response, false);
      return toResponse(response);
    }
    const lines = new ReadableStream<Uint8Array>({
      start(c) {
        for (const line of pending) c.enqueue(encoder.encode(line));
        sink = c;
        done.then((response) => {
          report(response, true);
          if (controller.signal.aborted) return;
          c.enqueue(encoder.encode(finalLine(response)));
          c.close();
        });
      },
      cancel() {
        controller.abort(clientGone());
      },
    });
    return new Response(lines, { status: 200, headers: { 'content-type': NDJSON_TYPE, 'cache-control': 'no-cache' } });
  };
}

function headersOf(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function toResponse(response: EngineResponse): Response {
  const { headers, body } = serialize(response);
  return new Response(body ?? null, { status: response.status, headers });
}
