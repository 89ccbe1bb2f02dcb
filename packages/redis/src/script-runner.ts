import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { RestBatchError, withCode } from '@restbatch/core';
import { Compensator } from './compensator.js';
import { LuaScript, type RedisClient, runThenWait } from './lua-script.js';
import { ServerClock } from './server-clock.js';
import { COMPENSATE } from './write-guard.js';

const COMPENSATE_SCRIPT = new LuaScript(COMPENSATE, 2);

/** How long the undo log of an answered write waits at most for a later write to delete it (ms). */
export const FORGET_MS = 50;
/** Undo logs one script or one UNLINK deletes at most (well within what Lua's unpack takes). */
const MAX_FORGET = 512;
const NONE: readonly string[] = [];

/** Default of `maxCompensations`: compensations a store keeps waiting for Redis at most. */
export const DEFAULT_MAX_COMPENSATIONS = 100_000;

/** `WAIT` after every write: how many replicas must acknowledge it, and how long to wait for them. */
export interface WaitForReplicas {
  replicas: number;
  timeoutMs: number;
}

/** Where a session's write may leave its undo log: `<prefix>{sid}:`, the session's data key and its collection prefix. */
export interface Fence {
  tag: string;
  dataKey: string;
  collectionPrefix: string;
}

/**
 * Runs the store's scripts. Every write carries a deadline in Redis's clock, `budgetMs` from when it
 * is sent (less than the command timeout), so a command that reaches Redis after its client gave
 * up refuses to apply (`LATE`). A session write also carries an operation key: when no reply came
 * (timeout, connection lost, or `WAIT` not met), the write is fenced off and undone as soon as
 * Redis answers again (see `Compensator`), so its 503 ends up true: not applied.
 */
export class ScriptRunner {
  readonly client: RedisClient;
  readonly compensator: Compensator;
  readonly #clock: ServerClock;
  readonly #budgetMs: number;
  readonly #wait: WaitForReplicas | undefined;
  #everReady = false;
  #firstReady: Promise<void> | undefined;
  readonly #cluster: boolean;
  // Operation keys: a random part per runner (unique across processes) and a counter.
  readonly #opIds = randomBytes(8).toString('hex');
  #ops = 0;
  // Undo logs of answered writes not deleted yet, by hash tag ('' for all on a single server).
  readonly #forget = new Map<string, string[]>();
  #forgetTimer: NodeJS.Timeout | undefined;

  constructor(
    client: RedisClient,
    budgetMs: number,
    wait: WaitForReplicas | undefined,
    onGiveUp: (error: Error) => void,
    maxCompensations = DEFAULT_MAX_COMPENSATIONS,
  ) {
    this.client = client;
    this.#cluster = (client as Cluster).isCluster === true;
    this.#clock = new ServerClock(client);
    this.#budgetMs = budgetMs;
    this.#wait = wait;
    this.compensator = new Compensator(onGiveUp, maxCompensations);
    client.on('ready', () => {
      this.#everReady = true;
    });
  }

  /**
   * Until the first connection is up, waits for it (at most `limitMs`): commands are not queued
   * while offline, so without this the first requests after boot would fail needlessly.
   */
  async connected(limitMs: number): Promise<void> {
    const client = this.client;
    if (this.#everReady || client.status === 'ready') {
      this.#everReady = true;
      return;
    }
    if (client.status === 'wait') client.connect().catch(() => undefined);
    // One listener for every call waiting at boot, not one each.
    this.#firstReady ??= new Promise<void>((resolve) => {
      if (this.#everReady) resolve();
      else client.once('ready', () => resolve());
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#firstReady, new Promise((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
  }

  /** Runs a script that only reads. */
  read(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return script.run(this.client, keys, args);
  }

  /**
   * Runs a writing script under its deadline; with a `fence`, a write whose outcome is unknown is
   * undone later. The script also deletes the undo logs of earlier writes that were answered (on a
   * Cluster, only those of the same session, which share its slot).
   */
  async write(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>, fence?: Fence): Promise<unknown> {
    const deadline = await this.#clock.deadline(this.#budgetMs);
    const opKey = fence === undefined ? '' : `${fence.tag}op:${this.#opIds}${(++this.#ops).toString(36)}`;
    const forget = this.takeAnswered(fence?.tag);
    // The guard's keys are declared after the script's own (see write-guard.ts).
    const allKeys = opKey === '' ? [...keys, ...forget] : [...keys, ...forget, opKey];
    const full = [...args, forget.length, opKey === '' ? 0 : 1, deadline];
    try {
      let reply: unknown;
      if (this.#wait === undefined) reply = await script.run(this.client, allKeys, full);
      else {
        let acknowledged: number;
        [reply, acknowledged] = await runThenWait(script, this.client, allKeys, full, this.#wait.replicas, this.#wait.timeoutMs);
        if (acknowledged < this.#wait.replicas) {
          throw new RestBatchError('STORE_UNAVAILABLE', 'The session store could not copy the write to its replicas in time; retry later', {
            headers: { 'retry-after': '1' },
          });
        }
      }
      // The outcome is known: the undo log is no longer needed.
      if (opKey !== '') this.keepAnswered([opKey]);
      return reply;
    } catch (error) {
      // A reply from the server (LATE, a refusal) is an outcome; anything else leaves it unknown.
      if (fence !== undefined && mayHaveRun(error)) this.#compensate(opKey, fence);
      // Whether the script got to delete them is not known: a later write or UNLINK deletes them (again).
      this.keepAnswered(forget);
      throw error;
    }
  }

  /** Deletes the undo logs still waiting (closing the store). */
  async close(): Promise<void> {
    clearTimeout(this.#forgetTimer);
    this.#forgetTimer = undefined;
    await this.#flush();
  }

  /**
   * Keeps the undo logs of answered writes (operation keys) for deletion by the next write script
   * (no command of their own), or by one UNLINK within {@link FORGET_MS} if none comes.
   */
  keepAnswered(opKeys: readonly string[]): void {
    if (opKeys.length === 0) return;
    for (const opKey of opKeys) {
      const bucket = this.#cluster ? opKey.slice(0, opKey.lastIndexOf('op:')) : '';
      const keys = this.#forget.get(bucket);
      if (keys === undefined) this.#forget.set(bucket, [opKey]);
      else keys.push(opKey);
    }
    this.#forgetTimer ??= setTimeout(() => {
      this.#forgetTimer = undefined;
      this.#flush().catch(() => undefined);
    }, FORGET_MS).unref();
  }

  /**
   * Takes the undo logs of answered writes that a script on session `tag` deletes along: on a
   * Cluster those of that session (its slot), on one server all of them. Give them back with
   * {@link keepAnswered} when the script may not have run.
   */
  takeAnswered(tag: string | undefined): readonly string[] {
    if (this.#forget.size === 0 || (this.#cluster && tag === undefined)) return NONE;
    const bucket = this.#cluster ? (tag as string) : '';
    const keys = this.#forget.get(bucket);
    if (keys === undefined) return NONE;
    if (keys.length <= MAX_FORGET) {
      this.#forget.delete(bucket);
      return keys;
    }
    return keys.splice(keys.length - MAX_FORGET);
  }

  /** One UNLINK per slot for the undo logs still waiting (if it fails, they expire by themselves). */
  async #flush(): Promise<void> {
    const sends: Array<Promise<unknown>> = [];
    for (const keys of this.#forget.values()) {
      for (let i = 0; i < keys.length; i += MAX_FORGET)
        sends.push(this.client.unlink(...keys.slice(i, i + MAX_FORGET)).catch(() => undefined));
    }
    this.#forget.clear();
    await Promise.all(sends);
  }

  #compensate(opKey: string, fence: Fence): void {
    this.compensator.add(opKey, () => COMPENSATE_SCRIPT.run(this.client, [opKey, fence.dataKey], [fence.collectionPrefix]));
  }
}

// Client errors raised before a command is written to the connection: it cannot have run.
const NOT_SENT = /enableOfflineQueue|Connection is closed before|Connection in subscriber mode/;

/** Whether a failed command may still have run on the server: no reply came (a reply is an outcome). */
function mayHaveRun(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  return error.name !== 'ReplyError' && !NOT_SENT.test(error.message);
}

/** The deadline budget of writes: `writeDeadlineMs`, else half the command timeout; checked against it. */
export function writeBudget(commandTimeoutMs: number, writeDeadlineMs: number | undefined): number {
  const budget = writeDeadlineMs ?? Math.floor(commandTimeoutMs / 2);
  if (!(budget > 0) || !(budget < commandTimeoutMs)) {
    throw withCode(
      new RangeError(`writeDeadlineMs must be above 0 and below the command timeout (${commandTimeoutMs} ms), got ${budget}`),
      'INVALID_OPTIONS',
    );
  }
  return budget;
}
