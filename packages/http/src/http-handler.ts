import type { IncomingMessage, ServerResponse } from 'node:http';
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
  logWriteFailure,
  reportResponse,
  writeFailed,
  writeTimeoutOf,
} from './http-options.js';
import { nodeLineWriter } from './node-line-writer.js';
import { readNodeBody, usesParsedBody } from './read-node-body.js';
import { mayBeLarge } from './json-in-turns.js';
import { writeJsonInTurns } from './write-json-in-turns.js';
import { cutOff, endInPieces, HTTP2_INTERNAL_ERROR, responseGone } from './http2-stream.js';
import { drainedWithin, flushedWithin, streamWriteWatch } from './write-timeout.js';

/**
 * A `node:http` request listener that is also Express/Connect middleware, with a listener for the
 * server's `checkContinue` event.
 */
export interface HttpHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /**
   * For `server.on('checkContinue', handler.checkContinue)`: a request that sent `Expect:
   * 100-continue` gets `100 Continue` only once the handler starts reading its body, so a declared
   * body over the limit is answered 413 at once instead of being invited (RFC 9110 §10.1.1). Without
   * it, node:http answers `100 Continue` to every such request before the handler sees it.
   */
  checkContinue(req: IncomingMessage, res: ServerResponse): void;
}

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions extends HttpTransportOptions {
  /**
   * The client's address, which keys the rate limit, the sessions and the idempotency records of
   * callers without an identity (default: `req.socket.remoteAddress`). Behind a proxy, name the
   * client here, e.g. Express's `(req) => (req as express.Request).ip` with `trust proxy` set.
   */
  remoteAddress?: (req: IncomingMessage) => string | undefined;
}

interface Settings {
  readonly limit: number;
  readonly writeTimeoutMs: number;
  readonly options: HttpHandlerOptions;
}

/**
 * Creates the node:http transport: reads the body within the limit, hands it to the engine with
 * the client's headers, address and an abort signal, and writes the engine's answer. Given a `next`
 * (Connect/Express), requests for paths the engine does not serve are passed on.
 */
export function createHttpHandler(engine: Engine, options: HttpHandlerOptions = {}): HttpHandler {
  const settings: Settings = {
    limit: options.maxBodyBytes ?? engine.limits.maxBodyBytes,
    writeTimeoutMs: writeTimeoutOf(options),
    options,
  };
  // Requests whose `100 Continue` waits for the body to be read (see HttpHandler.checkContinue).
  const awaiting = new WeakSet<IncomingMessage>();
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    const url = originForm(req.url ?? '/');
    if (url === BAD_TARGET) {
      res.shouldKeepAlive = false;
      write(res, engine.errorResponse('/', badTarget()), { connection: 'close' }, settings.writeTimeoutMs);
      return;
    }
    if (next !== undefined && !engine.serves(url)) {
      next();
      return;
    }
    const invite = awaiting.has(req) ? () => res.writeContinue() : undefined;
    serve(engine, settings, req, res, url, invite).catch((error: unknown) => failed(engine, settings, res, url, error));
  };
  return Object.assign(handler, {
    checkContinue(req: IncomingMessage, res: ServerResponse) {
      awaiting.add(req);
      handler(req, res);
    },
  });
}

async function serve(
  engine: Engine,
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
  invite: (() => void) | undefined,
): Promise<void> {
  const { limit, options } = settings;
  const started = performance.now();
  const method = req.method ?? 'GET';
  const refuse = (response: EngineResponse, extra: Record<string, string> | undefined) => {
    write(res, response, extra, settings.writeTimeoutMs);
    options.onResponse?.({
      method,
      url,
      status: response.status,
      kind: response.kind,
      summary: undefined,
      streamed: false,
      ms: performance.now() - started,
    });
  };
  const refused = { method, url, headers: req.headers, transport: 'http' };
  // Asked before reading: once the handler read the stream itself, it has ended too.
  const parsedBefore = usesParsedBody(req);
  const body = await readNodeBody(req, limit, parsedBefore, invite);
  if (body === TOO_LARGE) {
    // The rest of the body is never read: close the connection instead of draining it.
    res.shouldKeepAlive = false;
    refuse(tooLarge(engine, refused, limit), { connection: 'close' });
    return;
  }
  if (body instanceof RestBatchError) {
    // Middleware before the handler consumed the body, and kept nothing the engine can read.
    refuse(engine.refuse(refused, body), undefined);
    return;
  }
  const controller = new AbortController();
  // Closed once the answer is written or the client went away: only then does the engine count
  // the batch's results as given back (`EngineRequest.written`), whatever waits in the socket's buffer.
  let closed = () => {};
  const written = new Promise<void>((resolve) => {
    closed = resolve;
  });
  res.once('close', () => {
    closed();
    if (!res.writableFinished) controller.abort(clientGone());
  });
  let streamed = false;
  const lines = nodeLineWriter(res, settings.writeTimeoutMs);
  const onResult = wantsNdjson(engine, url, req.headers.accept)
    ? (item: unknown) => {
        if (!streamed && !responseGone(res)) {
          streamed = true;
          res.writeHead(200, {
            ...engine.streamHeaders(url, req.headers),
            ...NDJSON_HEADERS,
          });
        }
        return lines.write(ndjsonLine(item));
      }
    : undefined;
  const response = await engine.dispatch({
    method,
    url,
    headers: parsedBefore ? decodedBy(req) : req.headers,
    body,
    signal: controller.signal,
    transport: 'http',
    remoteAddress: options.remoteAddress === undefined ? req.socket.remoteAddress : options.remoteAddress(req),
    onResult,
    // The lines carry every result: no answer is made of them (one that streamed nothing has its body).
    streamOnly: onResult !== undefined,
    written,
  });
  if (streamed) {
    await lines.end(finalLine(response));
  } else if (hasBody(response) && typeof response.body === 'object' && mayBeLarge(response) && !responseGone(res) && !res.headersSent) {
    // A large answer's JSON is made and written in turns (see writeJsonInTurns).
    await writeJsonInTurns(
      res,
      response.status,
      responseHeaders(response),
      response.body,
      settings.writeTimeoutMs,
      engine.nextTurn.bind(engine),
    );
  } else write(res, response, undefined, settings.writeTimeoutMs);
  reportResponse(engine, options, method, url, response, streamed, started);
}

/**
 * What a failed `serve` leaves: reading the body fails when the client went away (no one to answer);
 * writing throws when node refuses a status or header: logged, and answered 500 while nothing went
 * out yet, else the connection is closed (its answer cannot be finished).
 */
function failed(engine: Engine, settings: Settings, res: ServerResponse, url: string, error: unknown): void {
  if (responseGone(res)) return;
  if (!res.headersSent) {
    try {
      write(res, writeFailed(engine, url, error), undefined, settings.writeTimeoutMs);
      return;
    } catch (again) {
      logWriteFailure(engine, url, again, undefined);
    }
  } else logWriteFailure(engine, url, error, undefined);
  // Over HTTP/2 a reset with INTERNAL_ERROR: destroy() would reset the stream with NO_ERROR, an end to a client.
  cutOff(res, HTTP2_INTERNAL_ERROR);
}

/**
 * Writes a whole answer; node leaves the body out of an answer to HEAD by itself. An answer the
 * socket does not take within `writeTimeoutMs` has its connection destroyed ({@link flushedWithin}:
 * no timer when the kernel took it at once, as it mostly does), so a client that reads nothing
 * cannot hold the connection and the batch's results in flight for ever.
 */
function write(res: ServerResponse, response: EngineResponse, extra: Record<string, string> | undefined, writeTimeoutMs: number): void {
  if (responseGone(res) || res.headersSent) return;
  // Made before the answer is written: what the socket takes of it at once counts (see WriteWatch).
  const watch = streamWriteWatch(res, writeTimeoutMs);
  const { headers, body: text } = serialize(response);
  // A large answer goes as bytes: as text, node would copy it once more behind the head and again
  // into the socket's buffer for a client that reads slowly (three copies alive, not one).
  const body = text !== undefined && text.length > LARGE_ANSWER ? Buffer.from(text) : text;
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.writeHead(response.status, extra === undefined ? headers : { ...headers, ...extra });
  // Over HTTP/2 a large body goes in pieces: the stream's own progress shows only as whole writes go.
  const ended = endInPieces(res, body ?? '', () => drainedWithin(res, watch));
  if (ended === true) flushedWithin(res, watch);
  else if (ended !== false) void ended.then((done) => done && flushedWithin(res, watch));
}

/** Characters of an answer from which it is written as bytes (see {@link write}). */
const LARGE_ANSWER = 64 * 1024;

/**
 * The request's headers, less `Content-Encoding`, for a body a parser mounted before the handler
 * kept (`req.body`, see usesParsedBody): body-parser inflates gzip and deflate before it keeps
 * bytes, text or a value, so what the engine gets is no longer coded (the engine refuses a coded
 * body it reads from the stream itself).
 */
function decodedBy(req: IncomingMessage): IncomingMessage['headers'] {
  const headers = req.headers;
  if (headers['content-encoding'] === undefined) return headers;
  const { 'content-encoding': _decoded, ...rest } = headers;
  return rest;
}
