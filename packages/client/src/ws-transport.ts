// Speaks docs/websocket.md: one JSON message per request, asking for grouped results (`results`
// messages, each holding the items final in one turn of the server); `result` messages (one item
// each, the older form) are understood too; then `response`.
import { ClientError, errorMessageOf } from './client-error.js';
import type { Transport, WireRequest, WireResponse } from './transport.js';

/** What the transport needs of a WebSocket: the browser's, or `ws`'s (both have these members). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
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
  request: WireRequest;
  resolve(response: WireResponse): void;
  reject(error: Error): void;
}

/** The WebSocket transport: one connection, opened on first use, carrying requests side by side. */
export function wsTransport(options: WsTransportOptions): Transport {
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
    if (message.type === 'result') p.request.onItem?.(message.item, message.index ?? 0);
    else if (message.type === 'results') {
      const items = Array.isArray(m.items) ? (m.items as Array<{ index?: number; item?: unknown }>) : [];
      for (const one of items) p.request.onItem?.(one.item, one.index ?? 0);
    } else {
      pending.delete(String(message.id));
      if (message.type === 'response') p.resolve({ status: message.status ?? 0, headers: m.headers ?? {}, body: m.body });
      else p.resolve({ status: message.status ?? 400, headers: {}, body: { code: m.code, message: m.message ?? errorMessageOf(m) } });
    }
  };
  const connect = () =>
    (socket ??= new Promise<WebSocketLike>((resolve, reject) => {
      const ws = new Ctor(options.url);
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
      const ws = await connect();
      const id = `c-${++next}`;
      // `results: 'grouped'`: the items final in one turn of the server come in one message.
      const message = {
        id,
        endpoint: request.url,
        method: request.method,
        headers: request.headers,
        body: request.body,
        results: 'grouped',
      };
      return new Promise<WireResponse>((resolve, reject) => {
        if (request.signal?.aborted) return reject(new ClientError('ABORTED', `${request.method} ${request.url} was aborted`));
        // The protocol has no per-request cancel: the answer is dropped and the promise rejects now.
        request.signal?.addEventListener('abort', () => {
          if (pending.delete(id)) reject(new ClientError('ABORTED', `${request.method} ${request.url} was aborted`));
        });
        pending.set(id, { request, resolve, reject });
        ws.send(JSON.stringify(message));
      });
    },
    async close() {
      const ws = await socket?.catch(() => undefined);
      ws?.close(1000);
    },
  };
}
