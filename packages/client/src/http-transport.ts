// Uses the global `fetch` and web streams only: no Node built-in, so it runs in a browser.
import { ClientError } from './client-error.js';
import type { BatchSummary, Transport, WireRequest, WireResponse } from './transport.js';

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** `http://HOST:PORT`, without a trailing slash. */
  baseUrl: string;
  /** Headers sent on every request (such as `authorization`). */
  headers?: Record<string, string>;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
}

/** The HTTP transport: batches ask for NDJSON, so each item is handed on as its line arrives. */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  return {
    async send(request) {
      const headers: Record<string, string> = { ...options.headers, ...request.headers };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.onItem !== undefined) headers.accept = 'application/x-ndjson';
      let response: Response;
      try {
        response = await doFetch(base + request.url, {
          method: request.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: request.signal,
        });
      } catch (error) {
        throw failed(error, request);
      }
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      try {
        if (request.onItem !== undefined && (out['content-type'] ?? '').startsWith('application/x-ndjson')) {
          const summary = await readLines(response, request.onItem);
          return { status: response.status, headers: out, body: undefined, summary };
        }
        const text = await response.text();
        return { status: response.status, headers: out, body: text === '' ? undefined : parse(text) } satisfies WireResponse;
      } catch (error) {
        throw failed(error, request);
      }
    },
  };
}

async function readLines(response: Response, onItem: (item: unknown, index: number) => void): Promise<BatchSummary | undefined> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let index = 0;
  let summary: BatchSummary | undefined;
  const line = (text: string) => {
    if (text.trim() === '') return;
    const value = JSON.parse(text) as { summary?: BatchSummary };
    if (value !== null && typeof value === 'object' && 'summary' in value && Object.keys(value).length === 1) summary = value.summary;
    else onItem(value, index++);
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      line(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
  line(buffered);
  return summary;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function failed(error: unknown, request: WireRequest): ClientError {
  if (request.signal?.aborted) return new ClientError('ABORTED', `${request.method} ${request.url} was aborted`);
  return new ClientError('TRANSPORT_FAILED', `${request.method} ${request.url} failed: ${(error as Error)?.message ?? String(error)}`);
}
