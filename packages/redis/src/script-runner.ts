import { randomBytes } from 'node:crypto';
import { RestBatchError } from '@restbatch/core';
import { Compensator } from './compensator.js';
import { LuaScript, type RedisClient, runThenWait } from './lua-script.js';
import { ServerClock } from './server-clock.js';
import { COMPENSATE } from './write-guard.js';

const COMPENSATE_SCRIPT = new LuaScript(COMPENSATE, 2);

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

  constructor(
    client: RedisClient,
    budgetMs: number,
    wait: WaitForReplicas | undefined,
    onGiveUp: (error: Error) => void,
    maxCompensations = DEFAULT_MAX_COMPENSATIONS,
  ) {
    this.client = client;
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

  /** Runs a writing script under its deadline; with a `fence`, a write whose outcome is unknown is undone later. */
  async write(script: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>, fence?: Fence): Promise<unknown> {
    const deadline = await this.#clock.deadline(this.#budgetMs);
    const opKey = fence === undefined ? '' : `${fence.tag}op:${randomBytes(8).toString('hex')}`;
    const full = [...args, deadline, opKey];
    try {
      let reply: unknown;
      if (this.#wait === undefined) reply = await script.run(this.client, keys, full);
      else {
        let acknowledged: number;
        [reply, acknowledged] = await runThenWait(script, this.client, keys, full, this.#wait.replicas, this.#wait.timeoutMs);
        if (acknowledged < this.#wait.replicas) {
          throw new RestBatchError('STORE_UNAVAILABLE', 'The session store could not copy the write to its replicas in time; retry later', {
            headers: { 'retry-after': '1' },
          });
        }
      }
      // The outcome is known: the undo log is no longer needed (if this fails, it expires by itself).
      if (opKey !== '') this.client.unlink(opKey).catch(() => undefined);
      return reply;
    } catch (error) {
      // A reply from the server (LATE, a refusal) is an outcome; anything else leaves it unknown.
      if (fence !== undefined && mayHaveRun(error)) this.#compensate(opKey, fence);
      throw error;
    }
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
    throw new RangeError(`writeDeadlineMs must be above 0 and below the command timeout (${commandTimeoutMs} ms), got ${budget}`);
  }
  return budget;
}
