import type { IncomingMessage } from 'node:http';
import { DEFAULT_PROTECTED, type Engine, HeaderSet, withCode } from '@restbatch/core';
import { type AllowedOrigins, upgradeCheck } from './upgrade-check.js';

/** Options shared by {@link attachWebSocket} and {@link createWebSocketServer}. */
export interface WebSocketTransportOptions {
  /** Path that accepts upgrades (default `/rest/ws`); the query string is ignored. */
  path?: string;
  /** Largest message in bytes; a larger one closes the connection with 1009 (default: the engine's `maxBodyBytes` + 64 KiB). */
  maxPayload?: number;
  /** Most requests one connection may have running at once; more get `RATE_LIMITED` (default 16). */
  maxConcurrent?: number;
  /** Bytes waiting to be sent above which the connection's batches wait and no new messages are read (default 1 MiB). */
  highWaterMark?: number;
  /**
   * Write timeout, in ms (default 10000): while the send buffer is above `highWaterMark`, a client
   * whose socket takes nothing for this long is closed with 1008, unless what it took before
   * carries it at 16 KiB/s (core's `WriteWatch`, at most 4 × this long past its last progress).
   */
  drainTimeoutMs?: number;
  /** Bytes still waiting when the next message is due at which the connection is closed with 1008 (default 16 × `highWaterMark`). */
  maxBufferedBytes?: number;
  /**
   * Time the peer has to answer a server-initiated close (or to close the socket after its own
   * close frame) before the socket is destroyed, in ms (default 5000). At `close()` of the
   * transport, also the time running requests have to finish and send their last messages before
   * their connection closes.
   */
  closeGraceMs?: number;
  /** Headers that only the upgrade request may carry; a message that sets one is refused (default: core's `DEFAULT_PROTECTED`; `x-forwarded-*` stands for every name it begins). */
  protectedHeaders?: readonly string[];
  /** Most open connections; further upgrades are refused with 503 (default 1024). */
  maxConnections?: number;
  /** Bytes waiting to be sent across all connections; over it, the connections holding the most are cut off (default 64 MiB). */
  maxTotalBufferedBytes?: number;
  /** Messages one connection may send per `messageWindowMs`, each error reply counting as one more (default 100). */
  maxMessagesPerWindow?: number;
  /** Length of the message-rate window, in ms (default 100). */
  messageWindowMs?: number;
  /**
   * Browser origins whose pages may open a connection (`['https://app.example.com']`), or a test of
   * each origin. An upgrade whose `Origin` header is not allowed is refused with 403. An upgrade
   * without `Origin` (a client that is not a browser) is accepted. Default: every origin, which lets
   * any web page open a connection with the cookies of its visitor (see docs/websocket.md, _Origin_).
   */
  allowedOrigins?: AllowedOrigins;
  /** Decides each upgrade at `path` (after `allowedOrigins`): `false` refuses it with 403. Synchronous. */
  verifyUpgrade?: (request: IncomingMessage) => boolean;
  /** A connection with nothing running that sends nothing (not even a pong) for this long is closed with 1001, in ms (default 120000). */
  idleTimeoutMs?: number;
  /**
   * Subprotocols the server accepts to name in `Sec-WebSocket-Protocol` (default none: restbatch's
   * protocol has no registered name). The first one the client offers that is listed here is
   * selected; none when it offers none of them (RFC 6455 §4.2.2), and a client that asked for one
   * (browsers, `ws`) then fails the handshake. For apps whose clients send a name, or
   * a token that `verifyUpgrade` reads, in that header.
   */
  subprotocols?: readonly string[];
}

/** Options with every default filled in. */
export interface ResolvedWsOptions {
  readonly path: string;
  readonly maxPayload: number;
  readonly maxConcurrent: number;
  readonly highWaterMark: number;
  readonly drainTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly closeGraceMs: number;
  readonly protectedHeaders: HeaderSet;
  readonly maxConnections: number;
  readonly maxTotalBufferedBytes: number;
  readonly maxMessagesPerWindow: number;
  readonly messageWindowMs: number;
  readonly idleTimeoutMs: number;
  /** Whether an upgrade request may become a connection (`allowedOrigins`, then `verifyUpgrade`). */
  readonly acceptUpgrade: (request: IncomingMessage) => boolean;
  /** The subprotocol to select of those a client offers (in its order), or `false` for none. */
  readonly selectSubprotocol: (offered: ReadonlySet<string>) => string | false;
}

/** Fills in the defaults; the payload default leaves room for the message around a body of the engine's largest size. */
export function resolveWsOptions(engine: Engine, options: WebSocketTransportOptions): ResolvedWsOptions {
  const highWaterMark = positive(options.highWaterMark, 1024 * 1024, 'highWaterMark');
  const path = options.path ?? '/rest/ws';
  if (!path.startsWith('/')) throw withCode(new Error(`WebSocket path ${JSON.stringify(path)} must start with /`), 'INVALID_OPTIONS');
  return {
    path,
    maxPayload: positive(options.maxPayload, engine.limits.maxBodyBytes + 64 * 1024, 'maxPayload'),
    maxConcurrent: positive(options.maxConcurrent, 16, 'maxConcurrent'),
    highWaterMark,
    drainTimeoutMs: positive(options.drainTimeoutMs, 10_000, 'drainTimeoutMs'),
    maxBufferedBytes: Math.max(highWaterMark, positive(options.maxBufferedBytes, 16 * highWaterMark, 'maxBufferedBytes')),
    closeGraceMs: positive(options.closeGraceMs, 5000, 'closeGraceMs'),
    protectedHeaders: new HeaderSet(options.protectedHeaders ?? DEFAULT_PROTECTED),
    maxConnections: positive(options.maxConnections, 1024, 'maxConnections'),
    maxTotalBufferedBytes: positive(options.maxTotalBufferedBytes, 64 * 1024 * 1024, 'maxTotalBufferedBytes'),
    maxMessagesPerWindow: positive(options.maxMessagesPerWindow, 100, 'maxMessagesPerWindow'),
    messageWindowMs: positive(options.messageWindowMs, 100, 'messageWindowMs'),
    idleTimeoutMs: positive(options.idleTimeoutMs, 120_000, 'idleTimeoutMs'),
    acceptUpgrade: upgradeCheck(options),
    selectSubprotocol: subprotocolSelector(options.subprotocols ?? []),
  };
}

/** RFC 6455 §4.1: each subprotocol is a token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function subprotocolSelector(accepted: readonly string[]): (offered: ReadonlySet<string>) => string | false {
  for (const name of accepted)
    if (typeof name !== 'string' || !TOKEN.test(name))
      throw withCode(new Error(`subprotocols holds ${JSON.stringify(name)}, not a token`), 'INVALID_OPTIONS');
  const set = new Set(accepted);
  return (offered) => {
    for (const name of offered) if (set.has(name)) return name;
    return false;
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw withCode(new Error(`${name} must be a positive number, not ${value}`), 'INVALID_OPTIONS');
  return value;
}
