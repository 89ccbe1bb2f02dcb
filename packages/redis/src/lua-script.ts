import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** What the store talks to: a single Redis or a Redis Cluster client of ioredis. */
export type RedisClient = Redis | Cluster;

/**
 * A Lua script run by its SHA1 (EVALSHA), falling back to EVAL once when the server does not know
 * it yet (after a restart or on a new Cluster node). Unlike ioredis's `defineCommand`, it leaves
 * a client the app passed in unchanged.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;
  readonly #keys: number;

  constructor(source: string, keys: number) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
    this.#keys = keys;
  }

  /** Runs the script with `keys` (exactly as many as declared) and `args`. */
  async run(client: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, this.#keys, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await client.eval(this.#source, this.#keys, ...keys, ...args);
    }
  }
}
