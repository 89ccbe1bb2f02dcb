// Speaks docs/websocket.md: one JSON message per request, asking for grouped results (`results`
// messages, each holding the items final in one turn of the server); `result` messages (one item
// each, the older form) are understood too; then `response`.
import { aborted, ClientError, errorMessageOf, unsendable } from './client-error.js';
import type { Transport, WireRequest, WireResponse } from './transport.js';

/** What the transport needs of a WebSocket: the browser's, or `ws`'s (both have these members). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** The listener's event is typed loosely, so that `ws`'s and the DOM's event types (open, close, error, message) all fit. */
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { type?: string; data?: unknown }) => void): void;
}

/** Options of {@link wsTransport}. */
export interface WsTransportOptions {
  /** `ws://HOST:PORT/rest/ws`. */
  url: string;
  /** A WebSocket constructor (`ws`'s `WebSocket` in Node); default `globalThis.WebSocket`. */
  WebSocket?: new (
    url: string,
  ) => WebSocketLike;
}

interface Pending {
  onItem: WireRequest['onItem'];
  resolve(response: WireResponse): void;
  reject(error: Error): void;
}

/** The options, checked: a bad one is refused when the transport is made, not at the first call. */
function checkOptions(options: WsTransportOptions): void {
  const url = (options as Partial<WsTransportOptions> | undefined)?.url;
  if (typeof url !== 'string' || !/^wss?:\/\/[^/]/i.test(url))
    throw new ClientError('INVALID_OPTIONS', `wsTransport: url must be a ws:// or wss:// URL, not ${JSON.stringify(url) ?? String(url)}`);
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function')
    throw new ClientError('INVALID_OPTIONS', 'wsTransport: WebSocket must be a WebSocket constructor');
}

/** The WebSocket transport: one connection, opened on first use, carrying requests side by side. */
export function wsTransport(options: WsTransportOptions): Transport {
  checkOptions(options);
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (Ctor === undefined) throw new ClientError('UNSUPPORTED', 'No WebSocket constructor: pass one as options.WebSocket');
  const pending = new Map<string, Pending>();
  let next = 0;
  let socket: Promise<WebSocketLike> | undefined;

  const fail = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    socket = undefined;
  };
  const onMessage = (data: unknown) => {
    const message = JSON.parse(String(data)) as { id?: string; type: string; index?: number; item?: unknown; status?: number };
    const p = message.id === undefined ? undefined : pending.get(String(message.id));
    if (p === undefined) return;
    const m = message as { headers?: Record<string, string>; body?: unknown; code?: string; message?: string; items?: unknown };
    if (message.type === 'result') p.onItem?.(message.item, message.index ?? 0);
    else if (message.type === 'results') {
      const items = Array.isArray(m.items) ? (m.items as Array<{ index?: number; item?: unknown }>) : [];
      for (const one of items) p.onItem?.(one.item, one.index ?? 0);
    } else {
      pending.delete(String(message.id));
      if (message.type === 'response') p.resolve({ status: message.status ?? 0, headers: m.headers ?? {}, body: m.body });
      else p.resolve({ status: message.status ?? 400, headers: {}, body: { code: m.code, message: m.message ?? errorMessageOf(m) } });
    }
  };
  const connect = () =>
    (socket ??= new Promise<WebSocketLike>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new Ctor(options.url);
      } catch (error) {
        // A URL the constructor refuses (it throws a SyntaxError): the transport's failure, as any other.
        throw new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} failed: ${(error as Error)?.message ?? String(error)}`);
      }
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('error', () => reject(new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} failed`)));
      ws.addEventListener('close', () => fail(new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} closed`)));
      ws.addEventListener('message', (event) => onMessage(event.data));
    }).catch((error: Error) => {
      socket = undefined;
      throw error;
    }));

  return {
    async send(request) {
      // No closure below reads `request`: what a request keeps while it waits is its id, these and its text.
      const { method, url, signal, onItem } = request;
      if (signal?.aborted) throw aborted(method, url);
      const id = `c-${++next}`;
      // Turned into text before anything is kept for it. `results: 'grouped'`: the items final in one
      // turn of the server come in one message.
      let text: string;
      try {
        text = JSON.stringify({ id, endpoint: url, method, headers: request.headers, body: request.body, results: 'grouped' });
      } catch (error) {
        throw unsendable(method, url, error);
      }
      const ws = await connect();
      if (signal?.aborted) throw aborted(method, url);
      const answer = new Promise<WireResponse>((resolve, reject) => {
        const entry: Pending = { onItem, resolve, reject };
        if (signal !== undefined) {
          // The protocol has no per-request cancel: the answer is dropped and the promise rejects now.
          // The listener holds the id only, and goes when the request settles: a signal that outlives
          // many requests keeps neither a listener nor an envelope per request.
          const onAbort = () => {
            if (pending.delete(id)) reject(aborted(method, url));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          const release = () => signal.removeEventListener('abort', onAbort);
          entry.resolve = (response) => {
            release();
            resolve(response);
          };
          entry.reject = (error) => {
            release();
            reject(error);
          };
        }
        pending.set(id, entry);
      });
      // Sent outside the closures, which so keep no reference to the text.
      ws.send(text);
      return answer;
    },
    async close() {
      const ws = await socket?.catch(() => undefined);
      ws?.close(1000);
    },
  };
}
