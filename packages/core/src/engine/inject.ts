import { isRestBatchError } from '../errors/restbatch-error.js';
import { headerSyntaxError } from '../headers/check-header-syntax.js';
import { normalizeHeaders } from '../headers/normalize-headers.js';
import { JsonBody } from '../json/json-body.js';
import type { Engine } from './create-engine.js';
import type { EngineResponse } from './engine-types.js';
import { requestShapeError, shapeErrorUrl } from './request-shape.js';
import { serializeResponse } from './serialize-response.js';

/** A request for {@link inject}. */
export interface InjectRequest {
  /** Default `GET`, or `POST` when there is a body. */
  method?: string;
  /** Path with an optional query string: `/api/todos/1?expand=notes`. */
  url: string;
  headers?: Record<string, string>;
  /**
   * A string or bytes are sent as they are; any other value as JSON, with
   * `content-type: application/json` unless the headers name one.
   */
  body?: unknown;
}

/** The answer as a client on the wire would read it. */
export interface InjectResponse {
  status: number;
  /** Response headers, lower-case names, `content-type` included when there is a body. */
  headers: Record<string, string>;
  /** The body's text ('' for none). */
  body: string;
  /** The body parsed as JSON (throws on an empty body). */
  json<T = unknown>(): T;
}

/**
 * Runs one request through the engine in-process, with no socket, as fastify's `inject` does:
 * for tests of an app's own resources. The answer is serialized as the HTTP transport writes it.
 */
export async function inject(engine: Engine, request: InjectRequest): Promise<InjectResponse> {
  // Answered as dispatch answers it (400 INVALID_PATH, 405, 400 INVALID_HEADER), not thrown at.
  const malformed = requestShapeError(request, true);
  if (malformed !== undefined) return written(engine.errorResponse(shapeErrorUrl(request), malformed));
  const given = request.body;
  const method = request.method ?? (given === undefined ? 'GET' : 'POST');
  // Folded as every transport's are: names that differ only in case are one header given twice.
  const headers = normalizeHeaders(request.headers);
  // Judged as a WebSocket message's are (node:http refuses such headers before the engine sees them),
  // and observed without them, as they are malformed.
  const invalid = headerSyntaxError(headers);
  if (invalid !== undefined) return written(engine.refuse({ method, url: request.url, headers: {}, transport: 'inject' }, invalid));
  let body: string | Uint8Array | JsonBody | undefined;
  if (typeof given === 'string' || given instanceof Uint8Array) body = given;
  else if (given !== undefined) {
    try {
      body = JsonBody.of(given);
    } catch (error) {
      // A value JSON cannot write (BODY_UNWRITABLE): answered as the engine answers a refused request.
      if (!isRestBatchError(error)) throw error;
      return written(engine.refuse({ method, url: request.url, headers, transport: 'inject' }, error));
    }
  }
  // The caller's own headers go on, not the folded copy, which leaves out a value that is not text (a
  // JavaScript caller's number): the engine refuses that one (400 INVALID_HEADER) as it refuses a
  // direct call's. The JSON type goes first only when the caller names none (the engine keeps the first).
  const sent: Record<string, unknown> =
    body instanceof JsonBody && headers['content-type'] === undefined
      ? { 'content-type': 'application/json', ...request.headers }
      : { ...request.headers };
  const response = await engine.dispatch({
    method,
    url: request.url,
    headers: sent as Record<string, string>,
    body,
    transport: 'inject',
  });
  return written(response, method.toUpperCase() === 'HEAD');
}

/** The answer as the HTTP transport writes it: to HEAD, its status and headers and no body (RFC 9110 §9.3.2). */
function written(response: EngineResponse, head = false): InjectResponse {
  const wire = serializeResponse(response);
  const text = head ? '' : (wire.body ?? '');
  return { status: response.status, headers: wire.headers, body: text, json: <T>() => JSON.parse(text) as T };
}
