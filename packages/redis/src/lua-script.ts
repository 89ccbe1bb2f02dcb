import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { guardWrites } from './write-guard.js';

/** The key count of a script that takes as many keys as it is given (APPLY: one per collection written). */
export const ANY_KEYS = -1;

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

  /** The script's text as sent with EVAL (with the write guard around it for a writing script). */
  get source(): string {
    return this.#source;
  }

  /** The SHA1 EVALSHA names it by. */
  get sha(): string {
    return this.#sha;
  }

  readonly #keys: number;

  /** True for a script that writes: it runs inside `guardWrites` and takes undo logs to delete and an operation key as its last KEYS, and three more ARGV. */
  readonly writes: boolean;

  constructor(source: string, keys: number, options: { writes?: boolean } = {}) {
    this.writes = options.writes === true;
    this.#source = this.writes ? guardWrites(source) : source;
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
    this.#keys = keys;
  }

  /**
   * Runs the script with `keys` (exactly as many as declared, unless {@link ANY_KEYS}; a script
   * that writes takes the write guard's keys after its own) and `args`.
   */
  async run(client: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const count = this.#keys === ANY_KEYS || this.writes ? keys.length : this.#keys;
    try {
      return await client.evalsha(this.#sha, count, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await client.eval(this.#source, count, ...keys, ...args);
    }
  }
}

/**
 * Runs `script` and then `WAIT replicas timeoutMs` on the same connection (a pipeline, so on a
 * Cluster both reach the primary that owns the keys). Returns the script's reply and how many
 * replicas acknowledged it.
 */
export async function runThenWait(
  script: LuaScript,
  client: RedisClient,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
  replicas: number,
  timeoutMs: number,
): Promise<[unknown, number]> {
  const send = async (byHash: boolean) => {
    const pipeline = client.pipeline();
    if (byHash) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    else pipeline.eval(script.source, keys.length, ...keys, ...args);
    pipeline.wait(replicas, timeoutMs);
    return (await pipeline.exec()) ?? [];
  };
  let replies = await send(true);
  const first = replies[0]?.[0];
  if (first instanceof Error && first.message.startsWith('NOSCRIPT')) replies = await send(false);
  const [scriptError, reply] = replies[0] ?? [new Error('no reply')];
  if (scriptError) throw scriptError;
  const [waitError, acknowledged] = replies[1] ?? [new Error('no reply to WAIT')];
  // The script ran, but no replica is known to have its write: a WAIT the server cut short when
  // its primary turned replica mid-failover ("UNBLOCKED ...", "ERR WAIT cannot be used with replica
  // instances") counts none, so the write is undone and answers 503 like any under-replicated one.
  if (waitError instanceof Error && waitError.name === 'ReplyError') return [reply, 0];
  if (waitError) throw waitError;
  return [reply, Number(acknowledged)];
}
