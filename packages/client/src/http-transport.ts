// Uses the global `fetch` and web streams only: no Node built-in, so it runs in a browser.
import { aborted, ClientError, transportFailed, unsendable } from './client-error.js';
import type { BatchSummary, Transport, WireRequest, WireResponse } from './transport.js';

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** `http://HOST:PORT` (a trailing slash is dropped); in a browser also `''` or a path (`/app`): the page's origin. */
  baseUrl: string;
  /** Headers sent on every request (such as `authorization`). */
  headers?: Record<string, string>;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** The HTTP transport: batches ask for NDJSON, so each item is handed on as its line arrives. */
export function httpTransport(options: HttpTransportOptions): Transport {
  checkOptions(options);
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  return {
    // Not async: the envelope is turned into its text here, and the exchange that waits for the
    // answer holds only that text (until fetch sent it), not the envelope's objects for the whole batch.
    send(request) {
      const headers: Record<string, string> = { ...options.headers, ...request.headers };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.onItem !== undefined) headers.accept = 'application/x-ndjson';
      const sent: Sent = { method: request.method, url: request.url, signal: request.signal, onItem: request.onItem };
      let body: string | undefined;
      try {
        body = request.body === undefined ? undefined : JSON.stringify(request.body);
      } catch (error) {
        // A body JSON cannot write (a BigInt, a cycle): the caller's error, as over every transport.
        return Promise.reject(unsendable(request.method, request.url, error));
      }
      const init: RequestInit = { method: request.method, headers, body, signal: request.signal };
      return exchange(doFetch, base + request.url, init, sent);
    },
  };
}

/** The options, checked: a bad one is refused when the transport is made, not at the first call. */
function checkOptions(options: HttpTransportOptions): void {
  const o = (options ?? {}) as Partial<Record<keyof HttpTransportOptions, unknown>>;
  if (typeof o.baseUrl !== 'string' || !(o.baseUrl === '' || o.baseUrl.startsWith('/') || /^https?:\/\/[^/]/i.test(o.baseUrl)))
    throw new ClientError(
      'INVALID_OPTIONS',
      `httpTransport: baseUrl must be an http:// or https:// URL (or a path, in a browser), not ${JSON.stringify(o.baseUrl) ?? String(o.baseUrl)}`,
    );
  if (o.headers !== undefined && (o.headers === null || typeof o.headers !== 'object'))
    throw new ClientError('INVALID_OPTIONS', 'httpTransport: headers must be an object of header names and values');
  if (o.fetch !== undefined && typeof o.fetch !== 'function')
    throw new ClientError('INVALID_OPTIONS', 'httpTransport: fetch must be a function');
}

/** What the exchange keeps of its request. */
interface Sent {
  method: string;
  url: string;
  signal: AbortSignal | undefined;
  onItem: WireRequest['onItem'];
}

async function exchange(doFetch: typeof fetch, url: string, init: RequestInit, sent: Sent): Promise<WireResponse> {
  let response: Response;
  try {
    response = await doFetch(url, init);
  } catch (error) {
    throw failed(error, sent);
  }
  const out = answerHeaders(response.headers);
  try {
    if (sent.onItem !== undefined && (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson')) {
      const end = await readLines(response, sent.onItem);
      // A batch that failed midway answers its error as the last line: the calls still waiting are refused with it.
      if (end.error !== undefined) return { status: end.error.status, headers: out, body: end.error.body };
      return { status: response.status, headers: out, body: undefined, summary: end.summary };
    }
    const text = await response.text();
    return { status: response.status, headers: out, body: text === '' ? undefined : parse(text) } satisfies WireResponse;
  } catch (error) {
    throw failed(error, sent);
  }
}

/**
 * Hop-by-hop fields (RFC 9110 section 7.6.1): they describe one connection, not the answer. The
 * names a `Connection` field lists are hop-by-hop too.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);
/**
 * What the HTTP message adds to the answer's own fields, which the WebSocket and in-process answers
 * (values, not bytes) do not have: its length, its date, and the media type the restbatch HTTP
 * transports write for a JSON answer that names none (one that names its own, such as
 * `application/problem+json`, is kept: the other transports carry it too).
 */
const FRAMING = new Set(['content-length', 'date']);
const DEFAULT_JSON = 'application/json; charset=utf-8';

/** The answer's headers as every transport gives them: the HTTP message's own fields left out. */
function answerHeaders(headers: Headers): Record<string, string> {
  const dropped = new Set(HOP_BY_HOP);
  for (const name of (headers.get('connection') ?? '').split(',')) dropped.add(name.trim().toLowerCase());
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (dropped.has(name) || FRAMING.has(name) || (name === 'content-type' && value === DEFAULT_JSON)) return;
    out[name] = value;
  });
  return out;
}

/** How a stream ended: its summary line, or the error line of a batch that failed after lines were sent. */
interface StreamEnd {
  summary?: BatchSummary;
  error?: { status: number; body: unknown };
}

async function readLines(response: Response, onItem: (item: unknown, index: number) => void): Promise<StreamEnd> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let index = 0;
  const end: StreamEnd = {};
  const line = (text: string) => {
    if (text.startsWith('{"summary":')) end.summary = (JSON.parse(text) as { summary: BatchSummary }).summary;
    else if (text.startsWith('{"error":')) {
      const failed = JSON.parse(text) as { error: unknown; status?: number };
      end.error = { status: failed.status ?? 500, body: failed.error };
    } else if (text.trim() !== '') onItem(JSON.parse(text), index++);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let start = 0;
    let nl = value.indexOf('\n');
    if (nl < 0) {
      buffered += value;
      continue;
    }
    // The first line of a chunk completes what the last chunk left; the others are whole in this chunk.
    line(buffered + value.slice(0, nl));
    start = nl + 1;
    for (nl = value.indexOf('\n', start); nl >= 0; nl = value.indexOf('\n', start)) {
      line(value.slice(start, nl));
      start = nl + 1;
    }
    buffered = value.slice(start);
  }
  line(buffered);
  return end;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failed(error: unknown, request: Sent): ClientError {
  if (request.signal?.aborted) return aborted(request.method, request.url);
  return transportFailed(request.method, request.url, error);
}
