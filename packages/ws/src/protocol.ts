import { type ErrorCode, JsonBody, normalizeHeaders, statusOf } from '@restbatch/core';
import { memberText } from './member-text.js';

/** A correlation id: chosen by the client, echoed on every message about its request. */
export type CorrelationId = string | number;

/** A client message, validated: one batch (or ordinary call) to run. */
export interface ClientMessage {
  readonly id: CorrelationId;
  /** Path with query, `/rest/batch?config=Sales`; a batch endpoint selects the dialect. */
  readonly endpoint: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body: `body` as the value the message already holds (a {@link JsonBody}: no second
   * serialization and parse; the engine's limits apply to it as to text), or `bodyText` as sent.
   */
  readonly body: JsonBody | string | undefined;
  /** `"results": "grouped"`: sub-responses final in the same turn come as one `results` message. */
  readonly grouped: boolean;
  /**
   * `"response": "summary"`: the client reads the streamed sub-responses, so the final `response`
   * of a batch whose items were streamed carries its status and headers but no body.
   */
  readonly summaryOnly: boolean;
}

/** One sub-response, sent as soon as it is final. */
export interface ResultMessage {
  id: CorrelationId;
  type: 'result';
  index: number;
  item: unknown;
}

/** Sub-responses that became final in the same turn, in index order (clients that ask for `"results": "grouped"`). */
export interface ResultsMessage {
  id: CorrelationId;
  type: 'results';
  items: Array<{ index: number; item: unknown }>;
}

/**
 * The whole answer, in the dialect's shape: what HTTP would answer. Without `body` when HTTP sends
 * none, or when the client asked for `"response": "summary"` and the batch's items were streamed
 * (its `restbatch-summary` header counts them).
 */
export interface ResponseMessage {
  id: CorrelationId;
  type: 'response';
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** A message the transport could not run; `id` is present when it could be read. */
export interface ErrorMessage {
  id?: CorrelationId;
  type: 'error';
  status: number;
  code: ErrorCode;
  message: string;
}

/** Every message the server sends. */
export type ServerMessage = ResultMessage | ResultsMessage | ResponseMessage | ErrorMessage;

/** Builds an error message with the status of the code table. */
export function errorMessage(id: CorrelationId | undefined, code: ErrorCode, message: string): ErrorMessage {
  const out: ErrorMessage = { type: 'error', status: statusOf(code), code, message };
  return id === undefined ? out : { id, ...out };
}

const FIELDS = new Set(['id', 'endpoint', 'method', 'headers', 'body', 'bodyText', 'results', 'response']);
const METHOD = /^[A-Za-z]{1,16}$/;
const MAX_ID_LENGTH = 256;

/** Reads a text frame: a valid {@link ClientMessage}, or the error to send back (with the id when readable). */
export function readClientMessage(text: string): ClientMessage | ErrorMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return errorMessage(undefined, 'JSON_MALFORMED', `The message is not valid JSON: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return errorMessage(undefined, 'BATCH_MALFORMED', 'A message must be a JSON object {id, endpoint, method?, headers?, body?}');
  }
  const msg = raw as Record<string, unknown>;
  const id = readId(msg.id);
  if (id === undefined)
    return errorMessage(
      undefined,
      'BATCH_MALFORMED',
      `id must be a non-empty string of at most ${MAX_ID_LENGTH} characters or a finite number`,
    );
  const bad = (reason: string) => errorMessage(id, 'BATCH_MALFORMED', reason);
  // A name is echoed cut short: an error message never carries a client's input back whole.
  for (const key of Object.keys(msg)) if (!FIELDS.has(key)) return bad(`unknown field ${JSON.stringify(key.slice(0, 100))}`);
  const endpoint = msg.endpoint;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/'))
    return bad('endpoint must be a path starting with /, such as "/rest/batch"');
  const method = msg.method ?? 'POST';
  if (typeof method !== 'string' || !METHOD.test(method)) return bad('method must be an HTTP method name, such as "POST"');
  const headers = readHeaders(msg.headers);
  if (headers === undefined) return bad('headers must be an object of string values');
  if (msg.body !== undefined && msg.bodyText !== undefined) return bad('send either body or bodyText, not both');
  if (msg.bodyText !== undefined && typeof msg.bodyText !== 'string') return bad('bodyText must be a string');
  if (msg.results !== undefined && msg.results !== 'each' && msg.results !== 'grouped') return bad('results must be "each" or "grouped"');
  if (msg.response !== undefined && msg.response !== 'whole' && msg.response !== 'summary')
    return bad('response must be "whole" or "summary"');
  // A body the message says is coded goes to the engine as its text as sent, as HTTP hands it the
  // bytes: the engine answers it as it answers HTTP (415 for any coding but identity). As a value
  // it would be read as if it had none.
  const body =
    msg.body === undefined
      ? (msg.bodyText as string | undefined)
      : headers['content-encoding'] !== undefined
        ? memberText(text, 'body')
        : bodyOf(msg.body, text);
  return {
    id,
    endpoint,
    method: method.toUpperCase(),
    headers,
    body,
    grouped: msg.results === 'grouped',
    summaryOnly: msg.response === 'summary',
  };
}

/**
 * The body as a value; when it cannot be held as one (nested deeper than JSON.stringify's stack: a
 * JSON.parse of the message reads any depth), its text as sent, so the engine's limits judge it as
 * they judge the same text over HTTP (400 `JSON_TOO_DEEP`).
 */
function bodyOf(value: unknown, text: string): JsonBody | string | undefined {
  try {
    return JsonBody.of(value);
  } catch {
    return memberText(text, 'body');
  }
}

function readId(id: unknown): CorrelationId | undefined {
  if (typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return undefined;
}

/**
 * The message's headers, lower-cased and folded by core's normalizeHeaders: names that differ only
 * in case are one header given twice, folded as node:http folds repeated lines, before they are
 * merged over the upgrade request's.
 */
function readHeaders(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return normalizeHeaders(undefined);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const given = value as Record<string, unknown>;
  for (const name of Object.keys(given)) if (typeof given[name] !== 'string') return undefined;
  return normalizeHeaders(given);
}
