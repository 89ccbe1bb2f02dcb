import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './lua-script.js';

/**
 * Listens to the client's `error` events and reports each outage once: to `onError` when given,
 * else as one line on stderr naming `what` is unavailable. An outage ends when the client is ready
 * again. ioredis emits `error` on every reconnection attempt (about once a second while Redis is
 * down) and, with no listener, prints each one with its stack. A client the caller passed in
 * (`owned` false) with no `onError` is left alone: the caller's own listeners report its outages.
 *
 * A Cluster client stays ready while one of its nodes is down (the other slots are served) and
 * tells of that node's failures as `node error` (hundreds while it is down), never `error`: each
 * node's outage is reported once too, from its first failure until a connection to it is ready again.
 */
export function reportOutages(client: RedisClient, what: string, owned: boolean, onError: ((error: Error) => void) | undefined): void {
  if (!owned && onError === undefined) return;
  let reported = false;
  client.on('ready', () => {
    reported = false;
  });
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    if (onError !== undefined) onError(error);
    else process.stderr.write(`restbatch: ${what} unavailable (${error.message}); reconnecting\n`);
  });
  if ((client as Cluster).isCluster === true) reportNodeOutages(client as Cluster, what, onError);
}

/** The Cluster part of {@link reportOutages}: one report per node outage. */
function reportNodeOutages(cluster: Cluster, what: string, onError: ((error: Error) => void) | undefined): void {
  // Nodes ("host:port", as ioredis names them in `node error`) whose outage was reported.
  const down = new Set<string>();
  // ioredis makes a new connection each time it finds a node again: each says when it is ready.
  cluster.on('+node', (node: Redis) => {
    node.on('ready', () => down.delete(`${node.options.host}:${node.options.port}`));
  });
  cluster.on('node error', (error: Error, address: string) => {
    if (down.has(address)) return;
    down.add(address);
    if (onError !== undefined) onError(new Error(`Redis Cluster node ${address}: ${error.message}`, { cause: error }));
    else process.stderr.write(`restbatch: ${what} unavailable on Cluster node ${address} (${error.message}); reconnecting\n`);
  });
}
