import { ClientError } from './client-error.js';
import type { WebSocketLike } from './ws-transport.js';

/** Options of `wsTransport`. The limits default to the server's defaults (`@restbatch/ws`); set them to its own when it was given others. */
export interface WsTransportOptions {
  /** `ws://HOST:PORT/rest/ws`. */
  url: string;
  /** A WebSocket constructor (`ws`'s `WebSocket` in Node); default `globalThis.WebSocket`. */
  WebSocket?: new (
    url: string,
  ) => WebSocketLike;
  /**
   * Most requests in flight on the connection at once (default 16, the server's `maxConcurrent`);
   * later ones wait, in order, and are sent as answers arrive. A request is in flight until its
   * answer arrives, also once its caller aborted it: the protocol has no cancel, the server runs it on.
   */
  maxConcurrent?: number;
  /**
   * Most messages sent per `messageWindowMs`, each `error` answer counting as one more, as the server
   * counts them (default 100, the server's `maxMessagesPerWindow`); later ones wait.
   */
  maxMessagesPerWindow?: number;
  /** Length of that window in ms (default 100, the server's `messageWindowMs`). */
  messageWindowMs?: number;
  /**
   * Largest message in bytes (UTF-8); a larger request is refused with `INVALID_CALL` (status 413)
   * and not sent (default 1 MiB + 64 KiB, the server's `maxPayload` for its default `maxBodyBytes`;
   * the server closes the connection, failing every request on it, for a larger one).
   */
  maxMessageBytes?: number;
  /**
   * How long `close()` waits for the requests already handed to the transport (in flight, or waiting
   * for the limits above) to be answered before it closes the connection (default 5000 ms); what is
   * still unanswered then rejects with `TRANSPORT_FAILED`. 0 closes at once.
   */
  closeTimeoutMs?: number;
}

/** The server's defaults (`@restbatch/ws`, with the engine's default `maxBodyBytes`). */
const DEFAULTS = {
  maxConcurrent: 16,
  maxMessagesPerWindow: 100,
  messageWindowMs: 100,
  maxMessageBytes: 1024 * 1024 + 64 * 1024,
  closeTimeoutMs: 5000,
};
/** The limits of a transport, its defaults filled in. */
export type WsLimits = typeof DEFAULTS;

/** The options, checked: a bad one is refused when the transport is made, not at the first call. */
export function checkWsOptions(options: WsTransportOptions): WsLimits {
  const url = (options as Partial<WsTransportOptions> | undefined)?.url;
  if (typeof url !== 'string' || !/^wss?:\/\/[^/]/i.test(url))
    throw new ClientError('INVALID_OPTIONS', `wsTransport: url must be a ws:// or wss:// URL, not ${JSON.stringify(url) ?? String(url)}`);
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function')
    throw new ClientError('INVALID_OPTIONS', 'wsTransport: WebSocket must be a WebSocket constructor');
  const limits = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as Array<keyof WsLimits>) {
    const value = options[name];
    if (value === undefined) continue;
    // A window is any positive length; closing may wait no time at all.
    const ok =
      name === 'messageWindowMs'
        ? typeof value === 'number' && value > 0 && Number.isFinite(value)
        : name === 'closeTimeoutMs'
          ? typeof value === 'number' && value >= 0 && Number.isFinite(value)
          : typeof value === 'number' && value > 0 && Number.isSafeInteger(value);
    const what =
      name === 'messageWindowMs'
        ? 'a positive finite number'
        : name === 'closeTimeoutMs'
          ? 'a finite number of 0 or more'
          : 'a positive integer';
    if (!ok) throw new ClientError('INVALID_OPTIONS', `wsTransport: ${name} must be ${what}, not ${String(value)}`);
    limits[name] = value;
  }
  return limits;
}
