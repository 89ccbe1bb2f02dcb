import { Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import {
  responseHeaders,
  type Engine,
  type EngineRequest,
  type EngineResponse,
  hasBody,
  headerSyntaxError,
  RestBatchError,
  type WriteWatch,
  withCode,
} from '@restbatch/core';
import {
  drainedWithin,
  finalLine,
  flushedWithin,
  jsonTextOrStream,
  mayBeLarge,
  NDJSON_HEADERS,
  ndjsonLine,
  wantsNdjson,
  writeTimeoutOf,
  writeWatch,
} from '@restbatch/http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** Options of the {@link restbatch} plugin (Fastify's own `prefix` works as for any plugin). */
export interface RestBatchPluginOptions {
  /** The engine whose APIs the plugin serves. */
  engine: Engine;
  /**
   * Largest request body in bytes, enforced by Fastify while it reads (its route `bodyLimit`);
   * default: the engine's `limits.maxBodyBytes`, which the engine checks again in any case.
   */
  maxBodyBytes?: number;
  /**
   * Longest wait, in ms, for a client that stopped reading an answer (a streamed NDJSON batch, a
   * whole answer, or their last bytes): past it the batch ends and the connection is closed (default 30 000, as
   * `@restbatch/http`'s; 0 waits for ever). A batch still running before its first byte is not cut.
   */
  writeTimeoutMs?: number;
}

/**
 * Fastify's own refusals of a body while reading it (its `FST_ERR_CTP_*` codes), as the coded
 * errors every other transport answers the same input with. (Its JSON parser's codes cannot occur:
 * the plugin's context has no parser but its own.)
 */
const BODY_ERRORS: Record<string, (request: FastifyRequest, bodyLimit: number) => RestBatchError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_request, bodyLimit) =>
    new RestBatchError('PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${bodyLimit} bytes`),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (request) =>
    new RestBatchError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${String(request.headers['content-type'] ?? '').slice(0, 100) || '(empty)'} is not a valid media type; send application/json`,
    ),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new RestBatchError('INVALID_HEADER', 'The body is not as long as its Content-Length says'),
};

/**
 * A Fastify plugin that serves an engine's APIs. It is encapsulated (not wrapped in
 * `fastify-plugin`): its content-type parser, error handler and routes stay inside its own context,
 * so the app's JSON parser and error handler are untouched. Fastify reads the body within its body
 * limit as raw bytes, and the engine parses it once with its own rules (Content-Type per endpoint,
 * single-quoted JSON, depth and string limits). It routes only the engine's API bases (`base` and
 * `base/*`), for every method but `OPTIONS`, which it leaves to the app (`@fastify/cors`).
 * Registered with a `prefix`, the plugin serves full paths: the engine's API bases must include the
 * prefix (`/v1/api` under `/v1`), and registering under a prefix that holds no base throws.
 */
export async function restbatch(fastify: FastifyInstance, options: RestBatchPluginOptions): Promise<void> {
  const { engine } = options;
  const under = checkPrefix(fastify.prefix, engine);
  const bodyLimit = options.maxBodyBytes ?? engine.limits.maxBodyBytes;
  const settings: Settings = { engine, writeTimeoutMs: writeTimeoutOf(options) };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify refused the body while reading it: answer in the dialect's shape, as the engine would.
    const coded = BODY_ERRORS[error.code]?.(request, bodyLimit);
    if (coded === undefined) throw error;
    const { method, url, headers } = request;
    return send(settings, reply, engine.refuse({ method, url, headers, transport: 'http' }, coded));
  });
  // Before Fastify reads the body, as node:http refuses such headers before anything else (a
  // Content-Type holding CR LF is 400 INVALID_HEADER, not Fastify's 415). Encapsulated: only the
  // plugin's routes are judged, never the app's own. A callback hook: a request that passes costs no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    const invalid = unparsedHeaderError(request);
    if (invalid === undefined || !engine.serves(request.url)) return done();
    // Answered here, so `done` is not called. Observed without the headers, as they are malformed
    // (as a direct call's and engine.inject's are).
    const { method, url } = request;
    send(settings, reply, engine.refuse({ method, url, headers: {}, transport: 'http' }, invalid));
  });
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    // A path the router sends here that is no API's (`/apix` is not under `/api`; a path the router decoded).
    if (!engine.serves(request.url)) return reply.callNotFound();
    return serve(settings, request, reply);
  };
  // Fastify's router is one for the whole app, encapsulation or not: a route here that another
  // plugin or the app also declares (`GET /`, `GET /*` of @fastify/static, `OPTIONS *` of
  // @fastify/cors) fails the app's start with FST_ERR_DUPLICATED_ROUTE. So the plugin routes the
  // engine's bases only, where the app's more specific routes still win (`GET /api/health`).
  // OPTIONS is no method of the engine's routes (it would only refuse it): left out, a preflight
  // reaches @fastify/cors's `OPTIONS *`, whichever of the two is registered first.
  const method = fastify.supportedMethods.filter((m) => m !== 'OPTIONS') as HTTPMethods[];
  for (const url of routedPaths(under, engine)) fastify.route({ method, url, bodyLimit, handler });
}
// Fastify names the plugin after this in its errors and `printPlugins()`.
Object.defineProperty(restbatch, Symbol.for('fastify.display-name'), { value: '@restbatch/fastify' });

/**
 * Why the request's headers could not have come over HTTP (`headerSyntaxError`: a name that is
 * not an RFC 9110 token, a value holding a control character other than tab), for a request no
 * HTTP parser has seen:
 * `fastify.inject()`'s, whose light-my-request hands the caller's headers on as they are (names
 * lower-cased, values written as text). A request on a network socket came through node's parser
 * (http, https, http2), which refused such headers already: it is not judged twice. light-my-request
 * gives every request a mock socket, an EventEmitter. The socket is tested rather than its
 * `isLightMyRequest` mark, so that any other request on no `net.Socket` (a custom `serverFactory`'s)
 * is judged as well: the check is cheap, skipping it is only right where a parser ran.
 */
function unparsedHeaderError(request: FastifyRequest): RestBatchError | undefined {
  return request.raw.socket instanceof Socket ? undefined : headerSyntaxError(request.headers);
}

interface Settings {
  readonly engine: Engine;
  readonly writeTimeoutMs: number;
}

/**
 * The routes of the engine's APIs under the plugin's prefix `under`, relative to it (Fastify adds
 * the prefix): each base and everything below it. An API at the root (base `''`) takes every path.
 */
function routedPaths(under: string, engine: Engine): Set<string> {
  const paths = new Set<string>();
  for (const { base } of engine.routes()) {
    if (base !== '' && base !== under && !base.startsWith(`${under}/`)) continue;
    // Below the prefix; `:` would start a parameter in Fastify's router (`::` is a literal one).
    const relative = (base === '' ? '' : base.slice(under.length)).replaceAll(':', '::');
    paths.add(relative === '' ? '/' : relative);
    paths.add(`${relative}/*`);
  }
  return paths;
}

async function serve(settings: Settings, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { engine } = settings;
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new RestBatchError('ABORTED', 'The client closed the connection'));
  });
  const dispatch: EngineRequest = {
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body as Buffer | undefined,
    signal: controller.signal,
    transport: 'http',
    remoteAddress: request.ip,
    // A batch's results count against limits.maxResultBytesInFlight until its answer is written.
    written: new Promise<void>((resolve) => reply.raw.once('close', () => resolve())),
  };
  if (!wantsNdjson(engine, request.url, request.headers.accept)) return send(settings, reply, await engine.dispatch(dispatch));
  return stream(settings, dispatch, reply);
}

/** The NDJSON answer of a batch: one line per sub-result as it settles, then the summary line. */
async function stream(settings: Settings, dispatch: EngineRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { engine, writeTimeoutMs } = settings;
  const lines = new PassThrough();
  // One write timeout for the whole stream: what the reader took in one wait carries it through the next.
  const watch = writeWatch(reply.raw, writeTimeoutMs);
  let started = false;
  let first: () => void = () => undefined;
  const firstLine = new Promise<void>((resolve) => {
    first = resolve;
  });
  const done = engine.dispatch({
    ...dispatch,
    onResult: (item) => {
      started = true;
      first();
      // Backpressure: the batch waits while the client reads slower than the sub-requests run; a
      // client that reads nothing for writeTimeoutMs ends it and has its connection closed.
      if (lines.destroyed || lines.write(ndjsonLine(item))) return;
      return drainedWithin(lines, watch, reply.raw);
    },
    // The lines carry every result: no answer is made of them (one that streamed nothing has its body).
    streamOnly: true,
  });
  await Promise.race([firstLine, done]);
  if (!started) return send(settings, reply, await done);
  done.then((response) => {
    if (lines.destroyed) return;
    lines.end(finalLine(response));
    flushedWithin(reply.raw, watch);
  });
  // The dialect's headers of every answer (OData's OData-Version, Protocol §8.1.5), then the media
  // type, no caching and X-Accel-Buffering: no, as the node handler sends them.
  return reply.code(200).headers(engine.streamHeaders(dispatch.url, dispatch.headers)).headers(NDJSON_HEADERS).send(lines);
}

/**
 * Sends an answer as the node handler writes it: its own JSON media type (problem details) or
 * `application/json`; a body over 1 Mi characters as a stream of chunks made as the client reads,
 * in the engine's turns of the event loop.
 * Any answer is cut, as there, after `writeTimeoutMs` of a client that reads nothing.
 */
function send(settings: Settings, reply: FastifyReply, response: EngineResponse): FastifyReply {
  // Made before the answer is written: what the socket takes of it at once counts (see WriteWatch).
  const watch = writeWatch(reply.raw, settings.writeTimeoutMs);
  reply.code(response.status).headers(responseHeaders(response));
  if (!hasBody(response)) {
    reply.removeHeader('content-type');
    return sent(watch, reply.send());
  }
  if (!mayBeLarge(response)) return sent(watch, reply.send(JSON.stringify(response.body)));
  const answer = jsonTextOrStream(response.body, settings.engine.nextTurn.bind(settings.engine));
  if (typeof answer !== 'string') return reply.send(written(answer, watch, reply));
  return sent(watch, reply.send(answer));
}

/**
 * A whole answer is bounded, as the node handler's, until it is handed to the socket: a client
 * that reads nothing would otherwise hold the connection and the batch's results in flight for ever
 * (no timer when the socket took it at once, as it mostly does).
 */
function sent(watch: WriteWatch, reply: FastifyReply): FastifyReply {
  flushedWithin(reply.raw, watch);
  return reply;
}

/**
 * The chunks of a large answer, through a stream the plugin writes itself: Fastify pipes a stream
 * without a timer, so the waits for a client that reads nothing are the plugin's to bound.
 */
function written(chunks: Readable, watch: WriteWatch, reply: FastifyReply): PassThrough {
  const out = new PassThrough();
  (async () => {
    for await (const chunk of chunks) {
      if (out.destroyed) return;
      if (!out.write(chunk)) await drainedWithin(out, watch, reply.raw);
    }
    out.end();
    flushedWithin(reply.raw, watch);
  })().catch(() => {
    // The client went away or stopped reading: its connection is closed, there is no one to answer.
    chunks.destroy();
  });
  return out;
}

/**
 * Fastify hands the plugin full paths (`/v1/api/todos` under the prefix `/v1`) and the engine serves
 * full paths too, so a base outside the prefix would never be reached: every request would be 404.
 */
function checkPrefix(prefix: string, engine: Engine): string {
  const under = prefix.replace(/\/+$/, '');
  if (under === '') return under;
  const bases = engine.routes().map((api) => api.base);
  if (bases.some((base) => base === '' || base === '/' || base === under || base.startsWith(`${under}/`))) return under;
  throw withCode(
    new Error(
      `@restbatch/fastify is registered with the prefix ${under}, but no API base of the engine is under it (${bases.join(', ')}); ` +
        `the engine serves full paths, so give its API the base ${under}${bases[0] ?? '/api'}`,
    ),
    'INVALID_OPTIONS',
  );
}
