import type { Redis } from 'ioredis';

/**
 * Calls `see` with the arguments of every EVALSHA `client` sends from now on, each still sent as it
 * was: how a test counts or reads the scripts a store runs on a client of its own.
 */
export function onEvalsha(client: Redis, see: (args: unknown[]) => void): void {
  const original = (client.evalsha as (...args: unknown[]) => Promise<unknown>).bind(client);
  (client as unknown as Record<string, unknown>).evalsha = (...args: unknown[]) => {
    see(args);
    return original(...args);
  };
}
