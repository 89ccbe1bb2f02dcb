import { BAD_TARGET, originForm, withCode } from '@restbatch/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Marks the `upgrade` listener of each restbatch WebSocket transport with the test of the upgrades
 * it serves. `Symbol.for`: two copies of this package in one process (two versions) still see
 * each other's transports on a shared server. The mark is the only thing they share, and it lives
 * on the server's own listeners: no registry, no state outside the server.
 */
const SERVES = Symbol.for('@restbatch/ws upgrade listener');

/** What a marked listener tells the others: whether it serves an upgrade. */
interface Mark {
  /** The path it serves (for a clear error when a second transport asks for the same one). */
  readonly path: string;
  serves(request: IncomingMessage): boolean;
}

type UpgradeListener = ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) & { [SERVES]?: Mark };

/**
 * The path of an upgrade's request target, without its query: origin-form as sent, or the path of
 * an absolute-form target (RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests");
 * `undefined` for a target that names no path (`*`, `host:port`).
 */
export function upgradePath(request: IncomingMessage): string | undefined {
  const target = originForm(request.url ?? '/');
  if (target === BAD_TARGET) return undefined;
  const mark = target.indexOf('?');
  return mark < 0 ? target : target.slice(0, mark);
}

/**
 * Adds the `upgrade` listener of a transport that serves `path` on `server`, and returns the
 * function that removes it. An upgrade to its path goes to `serve`. Any other is left to the
 * server's other listeners: an app's own (which answers it), another transport's that serves its
 * path; when every listener is a restbatch transport and none serves it, the last of them answers
 * it with `decline` (else each would leave it to the others, and the socket would hang).
 */
export function listenForUpgrades(
  server: Server,
  path: string,
  serve: (request: IncomingMessage, socket: Duplex, head: Buffer) => void,
  decline: (socket: Duplex) => void,
): () => void {
  for (const other of server.listeners('upgrade') as UpgradeListener[]) {
    if (other[SERVES]?.path === path)
      throw withCode(new Error(`Another WebSocket transport already serves ${path} on this server`), 'INVALID_OPTIONS');
  }
  const listener: UpgradeListener = (request, socket, head) => {
    if (upgradePath(request) === path) return serve(request, socket, head);
    const listeners = server.listeners('upgrade') as UpgradeListener[];
    // Someone else answers it: a listener that is not a transport's, or a transport that serves it.
    if (listeners.some((other) => other !== listener && (other[SERVES] === undefined || other[SERVES].serves(request)))) return;
    if (listeners.at(-1) === listener) decline(socket);
  };
  listener[SERVES] = { path, serves: (request) => upgradePath(request) === path };
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}
