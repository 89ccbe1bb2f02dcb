import {
  type BufferedWrite,
  checkEntryKey,
  deepFreeze,
  isRestBatchError,
  type JsonValue,
  excerpt,
  quoted,
  RestBatchError,
  type SessionUnitOfWork,
  sameJson,
  sessionFullError,
} from '@restbatch/core';

/** What a unit of work needs of the store, for one session. */
export interface UnitBackend {
  /** A collection in insertion order; rejects with `STORE_UNAVAILABLE` while Redis is down. */
  list(collection: string): Promise<Array<[string, JsonValue]>>;
  /**
   * Runs the APPLY script over `args` (four per write); rejects with the store's error. `undo`: the
   * script holds only undo steps of a rollback (conditional, so safe to send again): it carries no
   * operation key, and is never compensated when its outcome is unknown. The reply: `[status,
   * applied, size]` as the APPLY script's (size: what a write refused for the session cap would have made it).
   */
  apply(args: string[], undo?: boolean): Promise<[number, number, number?]>;
  /** Runs an APPLY script of undo steps again (rejects with the raw Redis error, for the compensator). */
  reapply(args: string[]): Promise<unknown>;
  /** Whether the session still exists (one `EXISTS` of its data key); rejects with the store's error. */
  exists(): Promise<boolean>;
  /**
   * Owes `step` to Redis: the store's compensator runs it until it resolves (a roll-forward). False
   * when it was given up at once (`maxCompensations` already wait, or the store closed).
   */
  owe(step: () => Promise<void>): boolean;
  /** The store's `maxSessionBytes`, for the error of a write refused past it. */
  maxSessionBytes: number;
}

// Writes per APPLY script: bounds how long one script holds the Redis server.
const MAX_WRITES = 2048;
// Buffered writes that start a script at once when none is in flight (it applies while the batch
// computes on). While one is in flight, writes keep gathering: the next script waits for that one
// anyway, so one larger script costs one round trip where several smaller ones would queue.
const SEND_AT = 512;

/**
 * A value's JSON text as Redis holds it ('' for absent), what guards compare: the view's values were
 * parsed from the stored text or written as `JSON.stringify` made it, and a frozen value's text never
 * changes. (Made again when a guard needs it, which is rare: a Map from values to the texts they were
 * written as cost a batch more, most of it in the garbage collector, than the JSON it saved.)
 */
function text(value: JsonValue | undefined): string {
  return value === undefined ? '' : JSON.stringify(value);
}

class Write implements BufferedWrite {
  failed = false;
  constructor(
    readonly index: number,
    readonly previous: JsonValue | undefined,
    /** A guard ('e', 'i'): it checks an entry, and changes nothing when it passes. */
    readonly guard: boolean,
  ) {}
}

type Entries = Map<string, JsonValue>;

function gone(): RestBatchError {
  return new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
}

/**
 * The 503 of a sub-request some of whose writes Redis applied before a script of it failed: its
 * answer says that those stand (docs/several-nodes.md, "What a 503 means").
 */
function unavailableAfterWrites(error: RestBatchError): RestBatchError {
  return new RestBatchError(
    'STORE_UNAVAILABLE',
    `${error.message}. Writes of this sub-request that Redis confirmed before the failure were applied and stand (unless its atomic run rolls back); the rest were not applied`,
    { cause: error, headers: error.headers },
  );
}

function pending(): RestBatchError {
  return new RestBatchError(
    'ROLLBACK_PENDING',
    'The store could not confirm the rollback; the undo is re-applied until Redis answers again',
    {
      headers: { 'retry-after': '1' },
    },
  );
}

/**
 * The Redis store's {@link SessionUnitOfWork}: collections are loaded whole on first use and kept
 * for the batch; writes update that copy and are sent as APPLY scripts (hundreds of writes per round
 * trip), one script in flight at a time so a refused write stops everything computed after it.
 * When a script fails, the copy is dropped (reloaded on next use) and every sub-request that used
 * the session from the failed write on is reported failed (see `takeFailures`).
 *
 * A session destroyed (or expired) meanwhile: a read answered from the copy cannot know it without a
 * round trip, so it counts as unconfirmed until Redis next finds the session (a load, an APPLY, or
 * the `EXISTS` that `flush` sends when no script went out after such a read: one per flush, not
 * one per read). Once Redis says the session is gone, every sub-request that used the copy since
 * Redis last found it is reported failed with `SESSION_NOT_FOUND` (as on the memory store, which
 * answers 401 to every read after the destroy), and every later read and write rejects with it at once.
 */
export class RedisUnitOfWork implements SessionUnitOfWork {
  index = -1;
  readonly #backend: UnitBackend;
  #fresh: boolean;
  readonly #cache = new Map<string, Entries>();
  readonly #loading = new Map<string, Promise<Entries>>();
  #args: string[] = [];
  #writes: Write[] = [];
  #tail: Promise<void> = Promise.resolve();
  #inFlight = 0;
  #scheduled = false;
  // Bumped whenever the copy is dropped: work computed from an older copy is never sent.
  #generation = 0;
  // Positions of the sub-requests that used the copy since the last failure, in order.
  #touched: number[] = [];
  #failures: Map<number, unknown> | undefined;
  // Entries (by collection) whose last op in the buffered script is a write that applies whenever
  // the script reaches it (see compareAndSet).
  readonly #sure = new Map<string, Set<string>>();
  // Whether the writes now buffered are undo steps of a rollback (never sent with other writes).
  #undoing = false;
  // Undo scripts Redis has not confirmed, in order, re-sent by the store's compensator until it does.
  #owed: string[][] | undefined;
  // Positions of the sub-requests with a write Redis confirmed it applied (never an undo step).
  readonly #applied = new Set<number>();
  // Redis said the session is gone (a load, an APPLY's -1, or a check): it never comes back, so the copy is dead.
  #gone = false;
  // Reads answered from a copy already held (a collection loaded before, or one the batch created
  // empty), counted since the unit began; those up to #confirmedReads were followed by a round trip
  // that found the session (a session id is never reused, so it existed at each of them), and
  // those up to #sentReads are covered by a script or check already sent.
  #reads = 0;
  #confirmedReads = 0;
  #sentReads = 0;
  // The position of the first sub-request with a read not confirmed yet (at most: a lower bound), or -1.
  #unconfirmed = -1;

  constructor(backend: UnitBackend, fresh: boolean) {
    this.#backend = backend;
    this.#fresh = fresh;
  }

  async get(collection: string, key: string): Promise<JsonValue | undefined> {
    if (this.#gone) throw gone();
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    return entries.get(key);
  }

  async list(collection: string): Promise<Array<[string, JsonValue]>> {
    if (this.#gone) throw gone();
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    return [...entries];
  }

  async set(collection: string, key: string, value: JsonValue): Promise<BufferedWrite> {
    checkEntryKey(collection, key);
    if (this.#gone) throw gone();
    const json = JSON.stringify(value);
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    const previous = entries.get(key);
    entries.set(key, deepFreeze(value));
    return this.#push('s', collection, key, json, previous);
  }

  async add(collection: string, key: string, value: JsonValue): Promise<BufferedWrite | undefined> {
    checkEntryKey(collection, key);
    if (this.#gone) throw gone();
    const json = JSON.stringify(value);
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    if (entries.has(key)) return undefined;
    entries.set(key, deepFreeze(value));
    return this.#push('a', collection, key, json, undefined);
  }

  async delete(collection: string, key: string): Promise<BufferedWrite | undefined> {
    if (this.#gone) throw gone();
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    const previous = entries.get(key);
    if (previous === undefined) return undefined;
    entries.delete(key);
    return this.#push('d', collection, key, '', previous);
  }

  /**
   * A guard on the value the batch read ('e': a mismatch refuses the script, 409; 'i': it skips just
   * this write), then the write; both travel in the same script.
   */
  async compareAndSet(
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    onMismatch: 'conflict' | 'skip',
    options?: { undo?: boolean },
  ): Promise<BufferedWrite | undefined> {
    checkEntryKey(collection, key);
    const json = next === undefined ? '' : JSON.stringify(next);
    if (options?.undo === true) return this.#undo(collection, key, expected, next, json);
    if (this.#gone) throw gone();
    const entries = this.#held(collection) ?? (await this.#view(collection));
    this.#touch();
    const current = entries.get(key);
    if (!sameJson(current, expected)) return undefined;
    if (next === undefined) entries.delete(key);
    else entries.set(key, deepFreeze(next));
    // A guard on an entry the buffered script itself last wrote would compare that write with itself
    // (nothing runs between the two in Redis): it is left out, and the write no longer depends on it.
    const sure = !this.#undoing && this.#sure.get(collection)?.has(key) === true;
    if (!sure) this.#push(onMismatch === 'conflict' ? 'e' : 'i', collection, key, text(current), current, true);
    return this.#push(next === undefined ? 'd' : 's', collection, key, json, current, false, false, !sure && onMismatch === 'skip');
  }

  /**
   * Sends the buffered writes, and, when reads were answered from the copy (by sub-requests up to
   * `reach`, when given) that no script sent since covers, an `EXISTS` of the session after them: a
   * read of a session another node destroyed meanwhile is then reported failed (`SESSION_NOT_FOUND`)
   * before its result is, or before a sub-request that depends on it runs.
   */
  async flush(reach?: number): Promise<void> {
    this.#send();
    const unconfirmed = this.#unconfirmed;
    if (unconfirmed >= 0 && this.#reads > this.#sentReads && (reach === undefined || unconfirmed <= reach) && !this.#gone) this.#check();
    await this.#tail;
  }

  takeFailures(): Map<number, unknown> | undefined {
    const failures = this.#failures;
    this.#failures = undefined;
    return failures;
  }

  /**
   * Whether Redis confirmed applying a write charged to the sub-request at `index`: in a script it
   * answered as done, or before the write a partial answer says it stopped at. A write that got no
   * reply (undone by the store's compensation), was refused as late, or was never sent (computed
   * from a dropped copy) does not count, nor does an undo step. A conditional write ('i') the
   * script skipped counts all the same: the reply does not tell them apart.
   */
  applied(index: number): boolean {
    return this.#applied.has(index);
  }

  /** The copy of a collection the batch holds, if any; a read answered from it waits for Redis to confirm the session. */
  #held(collection: string): Entries | undefined {
    const entries = this.#cache.get(collection);
    if (entries !== undefined) this.#read();
    return entries;
  }

  #read(): void {
    this.#reads++;
    if (this.#unconfirmed < 0) this.#unconfirmed = this.index;
  }

  /**
   * A round trip sent when `reads` reads had been answered from the copy, while the sub-request at
   * `index` ran, found the session: those reads are confirmed, and any later one is at `index` or after.
   */
  #confirmReads(reads: number, index: number): void {
    if (reads <= this.#confirmedReads) return;
    this.#confirmedReads = reads;
    if (reads === this.#reads) this.#unconfirmed = -1;
    else if (this.#unconfirmed < index) this.#unconfirmed = index;
  }

  /**
   * Redis said the session is gone: every sub-request that used the copy since Redis last found the
   * session (from `from` on, or from its first unconfirmed read) answers 401, and the copy is dead.
   */
  #lost(from = Number.POSITIVE_INFINITY): void {
    this.#gone = true;
    const error = gone();
    this.#fail(this.#unconfirmed < 0 ? from : Math.min(from, this.#unconfirmed), () => error);
  }

  /** Queues an `EXISTS` of the session after what is in flight: it confirms the reads answered from the copy so far. */
  #check(): void {
    this.#sentReads = this.#reads;
    this.#tail = this.#tail.then(async () => {
      if (this.#gone) return;
      const reads = this.#reads;
      const index = this.index;
      let exists: boolean;
      try {
        exists = await this.#backend.exists();
      } catch {
        // Redis did not answer: the reads stand as answered (the copy is what Redis held when it was
        // loaded), and stay so should Redis later say the session is gone: their results may be out.
        this.#confirmReads(reads, index);
        return;
      }
      if (exists) this.#confirmReads(reads, index);
      else if (!this.#gone) this.#lost();
    });
  }

  /** The batch's copy of a collection, loaded when first used; never one a failure has dropped. */
  async #view(collection: string): Promise<Entries> {
    for (;;) {
      const generation = this.#generation;
      const entries = this.#cache.get(collection) ?? (await this.#load(collection));
      if (generation === this.#generation) return entries;
    }
  }

  #load(collection: string): Promise<Entries> {
    if (this.#fresh) {
      // Known empty, not read from Redis: as a read from the copy, it waits for Redis to confirm the session.
      this.#read();
      const entries: Entries = new Map();
      this.#cache.set(collection, entries);
      return Promise.resolve(entries);
    }
    let loading = this.#loading.get(collection);
    if (loading === undefined) {
      const generation = this.#generation;
      const reads = this.#reads;
      const index = this.index;
      loading = this.#backend.list(collection).then(
        (list) => {
          const entries: Entries = new Map();
          for (const [key, value] of list) entries.set(key, deepFreeze(value));
          if (generation === this.#generation) {
            this.#loading.delete(collection);
            this.#cache.set(collection, entries);
          }
          this.#confirmReads(reads, index);
          return entries;
        },
        (error: unknown) => {
          if (generation === this.#generation) this.#loading.delete(collection);
          if (isRestBatchError(error) && error.code === 'SESSION_NOT_FOUND' && !this.#gone) this.#lost();
          throw error;
        },
      );
      this.#loading.set(collection, loading);
    }
    return loading;
  }

  #touch(): void {
    if (this.#touched[this.#touched.length - 1] !== this.index) this.#touched.push(this.index);
  }

  /**
   * An undo step: put `next` where `expected` (the batch's write) still is. It needs no view (one a
   * failure dropped is not reloaded while Redis is away); a loaded view follows it.
   */
  #undo(collection: string, key: string, expected: JsonValue | undefined, next: JsonValue | undefined, json: string): Write {
    if (this.#gone) {
      // Nothing to put back into a session that is gone: the undo is done, and nothing is sent.
      const done = new Write(this.index, expected, false);
      done.failed = true;
      return done;
    }
    const entries = this.#cache.get(collection);
    if (entries !== undefined && sameJson(entries.get(key), expected)) {
      if (next === undefined) entries.delete(key);
      else entries.set(key, deepFreeze(next));
    }
    this.#push('i', collection, key, text(expected), expected, true, true);
    return this.#push(next === undefined ? 'd' : 's', collection, key, json, expected, false, true);
  }

  /**
   * Buffers one op; `held`: a guard, never sent without the write that follows it; `undo`: an undo
   * step; `conditional`: a write after a skip guard ('i'), which may not apply.
   */
  #push(
    op: string,
    collection: string,
    key: string,
    json: string,
    previous: JsonValue | undefined,
    held = false,
    undo = false,
    conditional = false,
  ): Write {
    // Undo steps travel in scripts of their own: they are re-sent, never compensated, if unconfirmed.
    if (undo !== this.#undoing) {
      this.#send();
      this.#undoing = undo;
    }
    const write = new Write(this.index, previous, held);
    this.#args.push(op, collection, key, json);
    this.#writes.push(write);
    if (held) return write;
    if (!undo) this.#mark(collection, key, !conditional);
    const count = this.#writes.length;
    if (count >= MAX_WRITES || (count >= SEND_AT && this.#inFlight === 0)) this.#send();
    else if (!this.#scheduled) {
      // Like ioredis's auto-pipelining: whatever the batch writes before it next waits goes in one script.
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#send();
      });
    }
    return write;
  }

  /** Records whether the buffered script's last op on an entry is a write that certainly applies if the script gets there. */
  #mark(collection: string, key: string, sure: boolean): void {
    let keys = this.#sure.get(collection);
    if (!sure) keys?.delete(key);
    else if (keys !== undefined) keys.add(key);
    else {
      keys = new Set([key]);
      this.#sure.set(collection, keys);
    }
  }

  #send(): void {
    // What the next script holds starts empty: a write sent in an earlier one may be changed by
    // another node before the next runs, so its guards are kept.
    this.#sure.clear();
    if (this.#writes.length === 0) return;
    const args = this.#args;
    const writes = this.#writes;
    const generation = this.#generation;
    this.#args = [];
    this.#writes = [];
    if (this.#undoing) this.#tail = this.#tail.then(() => this.#applyUndo(args, writes));
    else {
      // The script finds the session (or says it is gone) after every read answered so far.
      this.#sentReads = this.#reads;
      this.#inFlight++;
      this.#tail = this.#tail.then(async () => {
        await this.#apply(args, writes, generation);
        this.#inFlight--;
      });
    }
  }

  /**
   * Sends undo steps; unconfirmed (no reply, refused as late, Redis away) they are owed, and reported
   * pending. When the store cannot owe them (its cap reached), they are reported with the store's
   * error: nothing will re-apply them, so the rollback is incomplete, not pending.
   */
  async #applyUndo(args: string[], writes: Write[]): Promise<void> {
    const owed = this.#owed;
    // Made only when an undo could not land at once (it carries a stack trace).
    let failure: unknown;
    if (owed === undefined) {
      try {
        await this.#backend.apply(args, true);
        return;
      } catch (error) {
        const queue: string[][] = [args];
        const owing = this.#backend.owe(async () => {
          // In order: a later undo of the same entry must not run before an earlier one.
          while (queue.length > 0) {
            await this.#backend.reapply(queue[0] as string[]);
            queue.shift();
          }
          if (this.#owed === queue) this.#owed = undefined;
        });
        if (owing) this.#owed = queue;
        else failure = error;
      }
    } else owed.push(args);
    const failures = this.#failures ?? new Map<number, unknown>();
    this.#failures = failures;
    const reason = failure ?? pending();
    for (const write of writes) failures.set(write.index, reason);
  }

  async #apply(args: string[], writes: Write[], generation: number): Promise<void> {
    const first = writes[0] as Write;
    if (generation !== this.#generation) {
      // Computed from a dropped copy: never sent, and its sub-requests are already failed.
      for (const write of writes) write.failed = true;
      return;
    }
    let reply: [number, number, number?];
    const reads = this.#reads;
    const index = this.index;
    try {
      reply = await this.#backend.apply(args);
    } catch (error) {
      // Not applied: refused as late, or (no reply) fenced off and undone by the store once Redis
      // answers again. Either way there is nothing for a rollback to undo. The reads before it stand
      // as answered, as after a check Redis did not answer.
      this.#confirmReads(reads, index);
      for (const write of writes) write.failed = true;
      // A sub-request with writes an earlier script applied says so: those stand.
      const standing =
        isRestBatchError(error) && error.code === 'STORE_UNAVAILABLE' && this.#applied.size > 0 ? unavailableAfterWrites(error) : error;
      this.#fail(first.index, (index) => (this.#applied.has(index) ? standing : error));
      return;
    }
    const [status, applied] = reply;
    if (status === -1) {
      for (const write of writes) write.failed = true;
      this.#lost(first.index);
      return;
    }
    // Any other answer: the script found the session.
    this.#confirmReads(reads, index);
    if (status === 1) {
      this.#confirm(writes, writes.length);
      return;
    }
    this.#confirm(writes, applied);
    for (let i = applied; i < writes.length; i++) (writes[i] as Write).failed = true;
    const refused = (writes[applied] as Write).index;
    if (status === 2) {
      // Refused for the session cap: that sub-request answers 507; those that used the batch's view
      // built on its write (a value the store never took) are not applied either.
      const full = sessionFullError(this.#backend.maxSessionBytes, reply[2] ?? 0);
      const after = new RestBatchError(
        'SESSION_FULL',
        'Not applied: an earlier write of this batch to the session was refused (the session is full)',
        {
          details: { limit: this.#backend.maxSessionBytes },
        },
      );
      this.#fail(refused, (index) => (index === refused ? full : after));
      return;
    }
    const what = `${quoted(args[4 * applied + 2])} of ${excerpt(String(args[4 * applied + 1]))}`;
    const taken = new RestBatchError(
      'CONFLICT',
      args[4 * applied] === 'e'
        ? `${what} was changed by another node at the same time; retry`
        : `${what} was added by another node at the same time`,
    );
    const notApplied = new RestBatchError('CONFLICT', 'Not applied: the session was changed by another node at the same time');
    this.#fail(refused, (index) => (index === refused ? taken : notApplied));
  }

  /** Records the sub-requests of the first `count` writes of a script as applied (guards change nothing). */
  #confirm(writes: Write[], count: number): void {
    let last = -1;
    for (let i = 0; i < count; i++) {
      const write = writes[i] as Write;
      if (write.guard || write.index === last) continue;
      last = write.index;
      this.#applied.add(last);
    }
  }

  /** Drops the copy and fails every sub-request that used it from position `from` on. */
  #fail(from: number, errorOf: (index: number) => unknown): void {
    this.#generation++;
    this.#fresh = false;
    this.#cache.clear();
    this.#loading.clear();
    if (!this.#undoing) {
      // Undo steps need no view: they stay buffered.
      for (const write of this.#writes) write.failed = true;
      this.#args = [];
      this.#writes = [];
      this.#sure.clear();
    }
    const failures = this.#failures ?? new Map<number, unknown>();
    this.#failures = failures;
    for (const index of this.#touched) if (index >= from && !failures.has(index)) failures.set(index, errorOf(index));
    this.#touched = [];
  }
}
