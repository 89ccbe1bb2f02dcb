import { PassThrough } from 'node:stream';
import { responseHeaders, type Engine, type EngineRequest, type EngineResponse, hasBody, RestBatchError } from '@restbatch/core';
import { finalLine, jsonTextOrStream, mayBeLarge, NDJSON_HEADERS, ndjsonLine, wantsNdjson } from '@restbatch/http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Options of the {@link restbatch} plugin (Fastify's own `prefix` works as for any plugin). */
export interface RestBatchPluginOptions {
  /** The engine whose APIs the plugin serves. */
  engine: Engine;
  /**
   * Largest request body in bytes, enforced by Fastify while it reads (its route `bodyLimit`);
   * default: the engine's `limits.maxBodyBytes`, which the engine checks again in any case.
   */
  maxBodyBytes?: number;
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
 * single-quoted JSON, depth and string limits). Paths outside the engine's APIs go to Fastify's 404.
 * Registered with a `prefix`, the plugin serves full paths: the engine's API bases must include the
 * prefix (`/v1/api` under `/v1`), and registering under a prefix that holds no base throws.
 */
export async function restbatch(fastify: FastifyInstance, options: RestBatchPluginOptions): Promise<void> {
  const { engine } = options;
  checkPrefix(fastify.prefix, engine);
  const bodyLimit = options.maxBodyBytes ?? engine.limits.maxBodyBytes;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify refused the body while reading it: answer in the dialect's shape, as the engine would.
    const coded = BODY_ERRORS[error.code]?.(request, bodyLimit);
    if (coded === undefined) throw error;
    const { method, url, headers } = request;
    return send(reply, engine.refuse({ method, url, headers, transport: 'http' }, coded));
  });
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    if (!engine.serves(request.url)) return reply.callNotFound();
    return serve(engine, request, reply);
  };
  fastify.route({ method: fastify.supportedMethods, url: '/', bodyLimit, handler });
  fastify.route({ method: fastify.supportedMethods, url: '/*', bodyLimit, handler });
}
// Fastify names the plugin after this in its errors and `printPlugins()`.
Object.defineProperty(restbatch, Symbol.for('fastify.display-name'), { value: '@restbatch/fastify' });

async function serve(engine: Engine, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
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
  if (!wantsNdjson(engine, request.url, request.headers.accept)) return send(reply, await engine.dispatch(dispatch));
  return stream(engine, dispatch, reply);
}

/** The NDJSON answer of a batch: one line per sub-result as it settles, then the summary line. */
async function stream(engine: Engine, dispatch: EngineRequest, reply: FastifyReply): Promise<FastifyReply> {
  const lines = new PassThrough();
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
      // Backpressure: the batch waits while the client reads slower than the sub-requests run.
      if (lines.destroyed || lines.write(ndjsonLine(item))) return;
      return new Promise<void>((resolve) => {
        lines.once('drain', resolve);
        lines.once('close', resolve);
      });
    },
  });
  await Promise.race([firstLine, done]);
  if (!started) return send(reply, await done);
  done.then((response) => {
    if (!lines.destroyed) lines.end(finalLine(response));
  });
  // The dialect's headers of every answer (OData-Version for an OData client, Protocol §8.1.5).
  return reply.code(200).headers(engine.streamHeaders(dispatch.url, dispatch.headers)).headers(NDJSON_HEADERS).send(lines);
}

/**
 * Sends an answer as the node handler writes it: its own JSON media type (problem details) or
 * `application/json`; a body over 1 Mi characters as a stream of chunks made as the client reads.
 */
function send(reply: FastifyReply, response: EngineResponse): FastifyReply {
  reply.code(response.status).headers(responseHeaders(response));
  if (!hasBody(response)) {
    reply.removeHeader('content-type');
    return reply.send();
  }
  return reply.send(mayBeLarge(response) ? jsonTextOrStream(response.body) : JSON.stringify(response.body));
}

/**
 * Fastify hands the plugin full paths (`/v1/api/todos` under the prefix `/v1`) and the engine serves
 * full paths too, so a base outside the prefix would never be reached: every request would be 404.
 */
function checkPrefix(prefix: string, engine: Engine): void {
  const under = prefix.replace(/\/+$/, '');
  if (under === '') return;
  const bases = engine.routes().map((api) => api.base);
  if (bases.some((base) => base === '' || base === '/' || base === under || base.startsWith(`${under}/`))) return;
  throw new Error(
    `@restbatch/fastify is registered with the prefix ${under}, but no API base of the engine is under it (${bases.join(', ')}); ` +
      `the engine serves full paths, so give its API the base ${under}${bases[0] ?? '/api'}`,
  );
}
