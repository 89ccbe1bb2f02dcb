import type { RedisClient } from './lua-script.js';

/**
 * Listens to the client's `error` events and reports each outage once: to `onError` when given,
 * else as one line on stderr naming `what` is unavailable. An outage ends when the client is ready
 * again. ioredis emits `error` on every reconnection attempt (about once a second while Redis is
 * down) and, with no listener, prints each one with its stack. A client the caller passed in
 * (`owned` false) with no `onError` is left alone: the caller's own listeners report its outages.
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
}
