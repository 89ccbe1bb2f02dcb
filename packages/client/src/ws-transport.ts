// Speaks docs/websocket.md: one JSON message per request, asking for grouped results (`results`
// messages, each holding the items final in one turn of the server); `result` messages (one item
// each, the older form) are understood too; then `response`, which for a batch that streamed its
// items holds no body (`"response": "summary"`: its counts are in its restbatch-summary header). Keeps within the server's
// per-connection limits (requests running at once, message rate, message size), so that what
// works over HTTP works here: past them the server refuses requests (429) or closes the connection.
import { aborted, ClientError, errorMessageOf, transportFailed, unsendable } from './client-error.js';
import { exceedsUtf8Bytes } from './exceeds-utf8-bytes.js';
import { SendPacer } from './send-pacer.js';
import { readSummaryHeader } from './summary-header.js';
import type { Transport, WireRequest, WireResponse } from './transport.js';
import { checkWsOptions, type WsTransportOptions } from './ws-transport-options.js';

export type { WsTransportOptions } from './ws-transport-options.js';

/** What the transport needs of a WebSocket: the browser's, or `ws`'s (both have these members). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** The listener's event is typed loosely, so that `ws`'s and the DOM's event types (open, close, error, message) all fit. */
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { type?: string; data?: unknown }) => void): void;
}

/**
 * A request from `send` until its answer: waiting to be sent, in flight, dropped (aborted before it
 * was sent) or abandoned (aborted in flight: its answer is ignored when it comes).
 */
interface Entry {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  /** The message, until it is sent. */
  text: string | undefined;
  state: 'queued' | 'sent' | 'dropped' | 'abandoned';
  onItem: WireRequest['onItem'];
  /** Whether the message asked for `"response": "summary"` (a batch: its items are streamed to `onItem`). */
  readonly summary: boolean;
  resolve(response: WireResponse): void;
  reject(error: Error): void;
}

const ignore = () => undefined;

/** A request larger than the server takes in one message: the caller's, refused before it is sent. */
function tooLarge(method: string, url: string, max: number): ClientError {
  const message = `${method} ${url}: the message is larger than ${max} bytes, the most one WebSocket message may hold (maxMessageBytes); it was not sent`;
  return new ClientError('INVALID_CALL', message, 413);
}

/** The WebSocket transport: one connection, opened on first use, carrying requests side by side within the server's limits. */
export function wsTransport(options: WsTransportOptions): Transport {
  const limits = checkWsOptions(options);
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (Ctor === undefined) throw new ClientError('UNSUPPORTED', 'No WebSocket constructor: pass one as options.WebSocket');
  /** In flight on the connection, by id (aborted ones too, until their answer). */
  const pending = new Map<string, Entry>();
  /** Waiting to be sent, in order, from `head` on. */
  let queue: Entry[] = [];
  let head = 0;
  const pacer = new SendPacer(limits.maxMessagesPerWindow, limits.messageWindowMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let next = 0;
  let conn: { ws: WebSocketLike; open: boolean } | undefined;
  /** The close under way, if any. */
  let closing: Promise<void> | undefined;
  /** While closing: told whenever a request settles, so the close goes on once no caller waits. */
  let onSettled: (() => void) | undefined;

  // The connection is gone (or never opened): every request in flight or waiting fails with it.
  const fail = (error: Error) => {
    clearTimeout(timer);
    timer = undefined;
    const waiting = [...pending.values(), ...queue.slice(head)];
    pending.clear();
    queue = [];
    head = 0;
    conn = undefined;
    pacer.reset();
    for (const entry of waiting) if (entry.state !== 'dropped') entry.reject(error);
    onSettled?.();
  };
  /** Whether a caller still waits for a request handed to the transport (queued, or in flight and not aborted). */
  const awaited = (): boolean => {
    for (let i = head; i < queue.length; i++) if ((queue[i] as Entry).state === 'queued') return true;
    for (const entry of pending.values()) if (entry.state === 'sent') return true;
    return false;
  };
  const connect = () => {
    let ws: WebSocketLike;
    try {
      ws = new Ctor(options.url);
    } catch (error) {
      // A URL the constructor refuses (it throws a SyntaxError): the transport's failure, as any other.
      fail(new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} failed: ${(error as Error)?.message ?? String(error)}`));
      return;
    }
    const mine = { ws, open: false };
    conn = mine;
    ws.addEventListener('open', () => {
      mine.open = true;
      pump();
    });
    const lost = (what: string) => () => {
      if (conn === mine) fail(new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} ${mine.open ? 'closed' : what}`));
    };
    ws.addEventListener('error', lost('failed'));
    ws.addEventListener('close', lost('failed'));
    ws.addEventListener('message', (event) => {
      if (conn === mine) onMessage(event.data);
    });
  };
  // Sends what waits, as far as the limits let: the slots in flight, then the message budget (a
  // timer comes back for what the budget holds; an answer for what the slots hold).
  const pump = () => {
    while (head < queue.length && (queue[head] as Entry).state === 'dropped') head++;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
      return;
    }
    if (conn === undefined) return connect();
    if (!conn.open || timer !== undefined) return;
    while (head < queue.length && pending.size < limits.maxConcurrent) {
      const entry = queue[head] as Entry;
      if (entry.state === 'dropped') {
        head++;
        continue;
      }
      const wait = pacer.delay();
      if (wait > 0) {
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(1, Math.ceil(wait)),
        );
        break;
      }
      head++;
      const text = entry.text as string;
      entry.text = undefined;
      entry.state = 'sent';
      pending.set(entry.id, entry);
      pacer.note();
      try {
        conn.ws.send(text);
      } catch (error) {
        pending.delete(entry.id);
        entry.reject(transportFailed(entry.method, entry.url, error));
        onSettled?.();
      }
    }
    // What was sent leaves the array: a long queue is not kept whole behind its head.
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  const onMessage = (data: unknown) => {
    const message = JSON.parse(String(data)) as { id?: string; type: string; index?: number; item?: unknown; status?: number };
    // The server charges each error answer to the connection's budget, as one more message.
    if (message.type === 'error') pacer.note();
    const p = message.id === undefined ? undefined : pending.get(String(message.id));
    if (p === undefined) return;
    const m = message as { headers?: Record<string, string>; body?: unknown; code?: string; message?: string; items?: unknown };
    if (message.type === 'result') p.onItem?.(message.item, message.index ?? 0);
    else if (message.type === 'results') {
      const items = Array.isArray(m.items) ? (m.items as Array<{ index?: number; item?: unknown }>) : [];
      for (const one of items) p.onItem?.(one.item, one.index ?? 0);
    } else {
      pending.delete(String(message.id));
      if (message.type === 'response') p.resolve(responseOf(p, message.status ?? 0, m.headers ?? {}, m.body));
      else p.resolve({ status: message.status ?? 400, headers: {}, body: { code: m.code, message: m.message ?? errorMessageOf(m) } });
      // Its slot is free (an aborted request's too, only now: the server ran it until here).
      pump();
      onSettled?.();
    }
  };
  // Requests already handed over are answered first (as over HTTP, whose requests in flight run
  // on): the connection closes once no caller waits, or after closeTimeoutMs, failing what is left.
  const shut = async () => {
    if (conn !== undefined && limits.closeTimeoutMs > 0 && awaited()) {
      await new Promise<void>((resolve) => {
        const bound = setTimeout(resolve, Math.min(limits.closeTimeoutMs, 2 ** 31 - 1));
        onSettled = () => {
          if (awaited()) return;
          clearTimeout(bound);
          resolve();
        };
      });
      onSettled = undefined;
    }
    const current = conn;
    // Lost meanwhile (or never opened): its requests failed with it.
    if (current === undefined) return;
    fail(
      new ClientError('TRANSPORT_FAILED', `WebSocket ${options.url} closed (no answer within closeTimeoutMs, ${limits.closeTimeoutMs} ms)`),
    );
    current.ws.close(1000);
  };

  return {
    send(request) {
      // No closure below reads `request`: what a request keeps while it waits is its id, these and its text.
      const { method, url, signal, onItem } = request;
      if (signal?.aborted) return Promise.reject(aborted(method, url));
      const id = `c-${++next}`;
      // Turned into text before anything is kept for it. `results: 'grouped'`: the items final in one
      // turn of the server come in one message. `response: 'summary'` for a batch, whose items all
      // come to onItem: its final response does not repeat them.
      const summary = onItem !== undefined;
      let text: string;
      try {
        const response = summary ? 'summary' : undefined;
        text = JSON.stringify({ id, endpoint: url, method, headers: request.headers, body: request.body, results: 'grouped', response });
      } catch (error) {
        return Promise.reject(unsendable(method, url, error));
      }
      // The server would close the connection for it, and so fail every other request on it.
      if (exceedsUtf8Bytes(text, limits.maxMessageBytes)) return Promise.reject(tooLarge(method, url, limits.maxMessageBytes));
      return new Promise<WireResponse>((resolve, reject) => {
        const entry: Entry = { id, method, url, text, state: 'queued', onItem, summary, resolve, reject };
        if (signal !== undefined) {
          // The protocol has no per-request cancel: the promise rejects now; a request not sent yet
          // is dropped, one in flight keeps its slot (the server runs it on) and its answer is
          // ignored. The listener goes when the request settles: a signal that outlives many
          // requests keeps neither a listener nor an envelope per request.
          const onAbort = () => {
            if (entry.state === 'queued') {
              entry.state = 'dropped';
              entry.text = undefined;
            } else if (entry.state === 'sent') entry.state = 'abandoned';
            entry.onItem = undefined;
            entry.resolve = ignore;
            entry.reject = ignore;
            reject(aborted(method, url));
            onSettled?.();
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
        queue.push(entry);
        pump();
      });
    },
    close() {
      closing ??= shut().finally(() => {
        closing = undefined;
      });
      return closing;
    },
  };
}

/**
 * A `response` message as the transport's answer. A batch asked with `"response": "summary"` that
 * answers without body streamed its items: the answer carries the counts of its restbatch-summary
 * header, so that no item is looked for in the body. One that streamed nothing (refused whole, a
 * replayed answer) has its body, read as before.
 */
function responseOf(entry: Entry, status: number, headers: Record<string, string>, body: unknown): WireResponse {
  if (!entry.summary || body !== undefined || status >= 400) return { status, headers, body };
  const summary = readSummaryHeader(headers);
  return summary === undefined ? { status, headers, body } : { status, headers, body, summary };
}
