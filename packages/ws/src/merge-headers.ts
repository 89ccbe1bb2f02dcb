import { type HeaderSet, normalizeHeaders } from '@restbatch/core';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The outer headers of one message's request: the upgrade request's headers, overlaid with the
 * message's own. A protected (identity) header comes from the upgrade request only, so one
 * connection cannot speak for several callers; a message that sets one gets the header's name
 * back (the caller turns it into an `INVALID_HEADER` error). The body is always JSON text, so
 * `content-type` defaults to `application/json` unless the message says otherwise.
 */
export function mergeHeaders(
  upgrade: Readonly<Record<string, string>>,
  own: Readonly<Record<string, string>>,
  protectedNames: HeaderSet,
  hasBody: boolean,
): Record<string, string> | { refused: string } {
  const out: Record<string, string> = Object.assign(Object.create(null), upgrade);
  if (hasBody) out['content-type'] = 'application/json';
  for (const name of Object.keys(own)) {
    if (protectedNames.has(name)) return { refused: name };
    out[name] = own[name] as string;
  }
  return out;
}

/** What the upgrade request gives its connection: the headers every message inherits, and the connection's id. */
export interface Upgrade {
  /** Normalized once per connection, without `x-request-id`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The upgrade request's `X-Request-Id`, else a fresh UUID: names the connection in logs and spans. */
  readonly connectionId: string;
}

/**
 * Headers of the upgrade request that describe that request itself, not the caller: the handshake
 * (`sec-websocket-*`, `connection: Upgrade`, `upgrade: websocket`), the connection's hop-by-hop
 * headers, and the framing of its own body. No message inherits them: an ordinary call over
 * WebSocket sees what it would see over HTTP, as its sub-requests already did (the engine's header
 * rule drops the same names for them).
 */
const UPGRADE_ONLY: readonly string[] = [
  'connection',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
];

/**
 * The upgrade request's headers, normalized once per connection, without those that describe the
 * upgrade request only ({@link UPGRADE_ONLY}). Its `X-Request-Id` is not inherited either: each
 * message is an outer request of its own, with its own id (the message's `x-request-id` header,
 * else a fresh one); the upgrade's id becomes the connection's id.
 */
export function upgradeOf(headers: IncomingHttpHeaders): Upgrade {
  const normalized = normalizeHeaders(headers);
  const given = normalized['x-request-id'];
  delete normalized['x-request-id'];
  for (const name of UPGRADE_ONLY) delete normalized[name];
  return { headers: Object.freeze(normalized), connectionId: given ?? crypto.randomUUID() };
}
