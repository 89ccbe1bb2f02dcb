import type { EngineResponse } from './engine-types.js';

/** The media type of JSON answers. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON media type an answer may carry instead of the default (`application/problem+json`, ...). */
const JSON_MEDIA = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Whether `type` names a JSON media type, which an answer keeps (its parameters too). */
export function isJsonMediaType(type: string | undefined): boolean {
  return type !== undefined && JSON_MEDIA.test(type);
}

/**
 * The answer as bytes go on the wire, for every transport that writes HTTP: the body as JSON
 * text, no body for 204 and 304; the content type is the answer's own when it names a JSON type
 * (problem details), `application/json` otherwise.
 */
export function serializeResponse(response: EngineResponse): { headers: Record<string, string>; body: string | undefined } {
  const headers = responseHeaders(response);
  return { headers, body: hasBody(response) ? JSON.stringify(response.body) : undefined };
}

/** Whether the answer goes with a body: it has one, and its status allows one (not 204 or 304). */
export function hasBody(response: EngineResponse): boolean {
  return response.body !== undefined && response.status !== 204 && response.status !== 304;
}

/**
 * The headers of the answer as {@link serializeResponse} writes it, for a transport that writes the
 * body's JSON itself: its content type as there, none without a body.
 */
export function responseHeaders(response: EngineResponse): Record<string, string> {
  const headers: Record<string, string> = { ...response.headers };
  if (!hasBody(response)) {
    delete headers['content-type'];
    return headers;
  }
  if (!isJsonMediaType(headers['content-type'])) headers['content-type'] = JSON_TYPE;
  return headers;
}
