import {
  checkByteBudget,
  checkEntryKey,
  type CreateSessionOptions,
  DEFAULT_MAX_SESSION_BYTES,
  type DataPatch,
  isRestBatchError,
  isSessionIdShape,
  isWellFormedKey,
  type JsonValue,
  mergeData,
  newSessionId,
  type PatchedData,
  type RecordLimits,
  RestBatchError,
  type SessionStore,
  type SessionUnitOfWork,
  sameJson,
  sessionFullError,
  type WriteOptions,
} from '@restbatch/core';
import { createHash } from 'node:crypto';
import { type Cluster, ReplyError } from 'ioredis';
import { BoundedMemo } from './bounded-memo.js';
import { ANY_KEYS, LuaScript, type RedisClient } from './lua-script.js';
import { keySize, packOps } from './pack-ops.js';
import * as records from './redis-records.js';
import { reportOutages } from './report-outages.js';
import { commandTimeoutOf, connectRedis, type RedisSessionStoreOptions } from './redis-session-store-options.js';
import { RedisUnitOfWork } from './redis-unit-of-work.js';
import { type Fence, ScriptRunner, writeBudget } from './script-runner.js';
import * as lua from './session-scripts.js';
import { isOutOfMemory, toStoreError } from './store-error.js';

const writes = { writes: true };
const CREATE = new LuaScript(lua.CREATE, 1, writes);
const LOAD = new LuaScript(lua.LOAD, 1);
const SAVE = new LuaScript(lua.SAVE, 1, writes);
const DESTROY = new LuaScript(lua.DESTROY, ANY_KEYS);
const DESTROY_OWNED = new LuaScript(lua.DESTROY_OWNED, ANY_KEYS);
const LOAD_OWNED = new LuaScript(lua.LOAD_OWNED, 2);
const GET = new LuaScript(lua.GET, 2);
const LIST = new LuaScript(lua.LIST, 2);
const SET = new LuaScript(lua.SET, 2, writes);
const DELETE = new LuaScript(lua.DELETE, 2, writes);
const ADMIT = new LuaScript(lua.ADMIT, 1, writes);
const OWNER_ADMIT = new LuaScript(lua.OWNER_ADMIT, 1, writes);
const CREATE_OWNED = new LuaScript(lua.CREATE_OWNED, 2, writes);
const OWNER_TOUCH = new LuaScript(lua.OWNER_TOUCH, 1);
const APPLY = new LuaScript(lua.APPLY, ANY_KEYS, writes);
const COMPARE_AND_SET = new LuaScript(lua.COMPARE_AND_SET, 2, writes);
const SWAP_DATA = new LuaScript(lua.SWAP_DATA, 1, writes);

// Attempts of one patchData before it gives up with CONFLICT: each miss means another write landed.
const MAX_PATCH_ATTEMPTS = 16;

/**
 * A {@link SessionStore} on Redis (one server, a primary watched by Sentinel, or a Cluster), shared
 * by every node of an app. Each operation is one Lua script (one round trip, atomic on the server);
 * a session's keys share the hash tag `{sid}` and so one Cluster slot; every load extends the life
 * of all of them (sliding expiry). While Redis is down, operations fail at once with
 * `STORE_UNAVAILABLE` (503); the client reconnects by itself. A write answered 503 did not land and
 * will not: it carries a deadline in Redis's clock, and one whose reply was lost is undone once
 * Redis answers (see `write-guard.ts`).
 * Engine-level records (idempotency keys) are keys `<prefix>rec:{<namespace>}:<sha256>` with their
 * bookkeeping (expiry order, bytes, owners) beside them in the namespace's slot.
 * A session's size is a counter in its data key, changed by the same script as each write, so two
 * nodes can never both pass `maxSessionBytes` (see `session-scripts.ts`).
 */
export class RedisSessionStore implements SessionStore {
  readonly #client: RedisClient;
  readonly #cluster: boolean;
  readonly #scripts: ScriptRunner;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #index: string;
  readonly #maxSessions: number | undefined;
  /** `maxSessionBytes` as the scripts take it: 0 for no cap. */
  readonly #maxSessionBytes: number;
  readonly #waitMs: number;
  readonly #namespaces = new Map<string, records.RecordKeys>();
  // Owners' sorted-set keys (a SHA-256 each), and the owner ('' for none) of sessions this store
  // made or loaded lately: a destroy then need not read it first. An owner never changes.
  readonly #ownerKeys = new BoundedMemo<string, string>(1024);
  readonly #owners = new BoundedMemo<string, string>(4096);
  // Names the roll-forwards this store owes Redis (see `unitOfWork`).
  #owedSteps = 0;
  readonly #onError: (error: Error) => void;
  // Whether a load's bookkeeping was refused for memory and has not landed since (see `#bookkeeping`).
  #bookkeepingRefused = false;

  constructor(options: RedisSessionStoreOptions) {
    const timeoutMs = commandTimeoutOf(options);
    const budget = writeBudget(timeoutMs, options.writeDeadlineMs);
    const max = checkByteBudget('maxSessionBytes', options.maxSessionBytes ?? DEFAULT_MAX_SESSION_BYTES);
    this.#maxSessionBytes = max === Number.POSITIVE_INFINITY ? 0 : max;
    const { client, owned } = connectRedis(options);
    this.#client = client;
    this.#cluster = (client as Cluster).isCluster === true;
    this.#owned = owned;
    const onError = options.onError ?? ((error: Error) => process.stderr.write(`${error.message}\n`));
    this.#onError = onError;
    this.#scripts = new ScriptRunner(client, budget, options.waitForReplicas, onError, options.maxCompensations);
    this.#prefix = options.keyPrefix ?? 'restbatch:';
    this.#index = `${this.#prefix}sessions`;
    this.#maxSessions = options.maxSessions;
    this.#waitMs = timeoutMs;
    reportOutages(client, 'Redis session store', owned, options.onError);
  }

  /** The ioredis client the store uses. */
  get client(): RedisClient {
    return this.#client;
  }

  /**
   * Creates a session. With an owner, it is then counted in the owner's sorted set, and the owner's
   * least-recently-used sessions beyond its quota are destroyed (one script, then one destroy each).
   * The session exists before it is counted, so a concurrent eviction on another node that picks
   * it always finds it to destroy. On one Redis both are one script (CREATE_OWNED), undone together
   * when its reply is lost; on a Cluster the owner's set is in another slot: two scripts in a row.
   */
  async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    const json = JSON.stringify(data);
    const owner = options.owner;
    // A new session's size is its data's: checked here, as nothing else can write to it yet.
    const size = dataSizeOf(json);
    if (this.#maxSessionBytes > 0 && size > this.#maxSessionBytes) throw sessionFullError(this.#maxSessionBytes, size);
    return this.#run(async () => {
      // On one Redis, an owned session is created and counted by one script (one round trip).
      if (owner !== undefined && !this.#cluster) return this.#createOwned(json, size, owner, options);
      let id = newSessionId();
      while ((await this.#scripts.write(CREATE, [this.#dataKey(id)], [options.ttlMs, json, owner ?? '', size], this.#fence(id))) !== 1) {
        id = newSessionId();
      }
      return this.#admitted(id, owner ?? '', options.ttlMs, async () => {
        if (owner !== undefined) await this.#ownerAdmit(owner, options.maxPerOwner, id, options.ttlMs);
      });
    });
  }

  /** {@link create} with an owner on one Redis: CREATE_OWNED, then the destroys of the sessions it took out. */
  async #createOwned(json: string, size: number, owner: string, options: CreateSessionOptions): Promise<string> {
    const quota = this.#quota(options.maxPerOwner);
    const ownerKey = this.#ownerKey(owner);
    let id: string;
    let reply: string[];
    do {
      id = newSessionId();
      const now = Date.now();
      const args = [options.ttlMs, json, owner, size, now, quota, id, now + options.ttlMs];
      reply = (await this.#scripts.write(CREATE_OWNED, [this.#dataKey(id), ownerKey], args, this.#fence(id))) as string[];
    } while (Number(reply[0]) !== 1);
    return this.#admitted(id, owner, options.ttlMs, () => this.#destroyEvicted(reply.slice(1)));
  }

  /**
   * The last steps of a create, once the session `id` of `owner` ('' for none) is written: `counted`
   * (its owner's quota), then `maxSessions`; the session is destroyed when either refuses it.
   */
  async #admitted(id: string, owner: string, ttlMs: number, counted: () => Promise<void>): Promise<string> {
    this.#owners.set(id, owner);
    try {
      await counted();
      if (this.#maxSessions !== undefined) await this.#admit(id, ttlMs);
    } catch (error) {
      await this.destroy(id).catch(() => undefined);
      throw error;
    }
    return id;
  }

  async load(id: string, ttlMs: number): Promise<Record<string, JsonValue> | undefined> {
    if (!isSessionIdShape(id)) return undefined;
    return this.#run(async () => {
      // The owner's least-recently-used order follows every load: in the same script when the
      // owner is known already and the set shares the server, else in one more.
      const expected = this.#cluster ? undefined : this.#owners.get(id);
      const loading =
        expected === undefined || expected === ''
          ? this.#scripts.read(LOAD, [this.#dataKey(id)], [this.#collectionPrefix(id), ttlMs])
          : this.#scripts.read(
              LOAD_OWNED,
              [this.#dataKey(id), this.#ownerKey(expected)],
              [this.#collectionPrefix(id), ttlMs, expected, id, Date.now() + ttlMs],
            );
      // XX: only ids already admitted move; an unknown id never enters the index.
      const indexed =
        this.#maxSessions === undefined ? undefined : this.#bookkeeping(this.#client.zadd(this.#index, 'XX', Date.now() + ttlMs, id));
      const [reply] = await Promise.all([loading, indexed]);
      if (!Array.isArray(reply)) return undefined;
      const [json, owner, refused] = reply as [string, string, string?];
      this.#owners.set(id, owner);
      // LOAD_OWNED's owner update, refused (OOM): reported as OWNER_TOUCH's would be.
      if (refused !== undefined) await this.#bookkeeping(Promise.reject(new ReplyError(refused)));
      else if (owner !== '' && owner !== expected) {
        await this.#bookkeeping(this.#scripts.read(OWNER_TOUCH, [this.#ownerKey(owner)], [id, Date.now() + ttlMs, ttlMs]));
      }
      return JSON.parse(json) as Record<string, JsonValue>;
    });
  }

  async save(id: string, data: Record<string, JsonValue>, options?: WriteOptions): Promise<boolean> {
    if (!isSessionIdShape(id)) return false;
    const json = JSON.stringify(data);
    const args = [json, this.#limit(options), dataSizeOf(json)];
    return this.#run(async () => this.#full(await this.#scripts.write(SAVE, [this.#dataKey(id)], args, this.#fence(id))) === 1);
  }

  /**
   * Merges `patch` into the session data without losing a concurrent patch: the data is read, merged
   * here (exact JSON, unlike Lua's cjson), and written back only if unchanged meanwhile (the
   * SWAP_DATA script); when it changed, the merge is redone on what the script returned.
   */
  async patchData(id: string, patch: DataPatch, options?: WriteOptions): Promise<PatchedData | undefined> {
    if (!isSessionIdShape(id)) return undefined;
    const key = this.#dataKey(id);
    const limit = this.#limit(options);
    return this.#run(async () => {
      let stored = await this.#scripts.write(SWAP_DATA, [key], ['', '', 0]);
      for (let attempt = 0; attempt < MAX_PATCH_ATTEMPTS; attempt++) {
        if (typeof stored !== 'string') return undefined;
        const previous = JSON.parse(stored) as Record<string, JsonValue>;
        const data = mergeData(previous, patch);
        const json = JSON.stringify(data);
        const reply = this.#full(await this.#scripts.write(SWAP_DATA, [key], [stored, json, limit, dataSizeOf(json)], this.#fence(id)));
        if (reply === 1) return { previous, data };
        stored = reply;
      }
      throw new RestBatchError('CONFLICT', 'The session data kept changing at the same time; retry');
    });
  }

  /**
   * Deletes a session. When Redis does not answer, the promise rejects with `STORE_UNAVAILABLE`
   * and the store finishes the destroy as soon as Redis answers again (a rolled-back run's session
   * must not stay behind); the error then carries `details: { queued: true }` (see
   * {@link SessionStore.destroy}). The queued destroy runs after the compensations owed, so none of
   * them can put back a field of the destroyed session.
   */
  async destroy(id: string): Promise<boolean> {
    if (!isSessionIdShape(id)) return false;
    // The owner, once read, is kept across attempts: a DESTROY whose reply was lost (or whose owner
    // set update failed) is finished later by an attempt that finds the session gone, and must still
    // take the id out of its owner's set, where it would count against the owner's quota.
    const known: { owner?: string } = {};
    try {
      return await this.#run(() => this.#destroyNow(id, known));
    } catch (error) {
      if (!isRestBatchError(error) || error.code !== 'STORE_UNAVAILABLE') throw error;
      if (!this.#scripts.compensator.add(`destroy:${id}`, () => this.#destroyNow(id, known), true)) throw error;
      throw new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; the session is destroyed once it answers again', {
        cause: error,
        details: { queued: true },
        headers: { 'retry-after': '1' },
      });
    }
  }

  /** Resolves once every compensation owed to Redis (undoing writes whose outcome was unknown, finishing destroys) is done. */
  compensated(): Promise<void> {
    return this.#scripts.compensator.settled();
  }

  async #destroyNow(id: string, known: { owner?: string }): Promise<boolean> {
    // Known before the DESTROY is sent (its reply may be lost): remembered from this store's create
    // or load of the session, else read (one more round trip).
    known.owner ??= this.#owners.get(id) ?? (await this.#client.hget(this.#dataKey(id), 'o')) ?? '';
    this.#owners.delete(id);
    // The session's undo logs not deleted yet go with it (declared keys: on a Cluster only its
    // own, in its slot), and on one Redis its id out of its owner's set.
    const forget = this.#scripts.takeAnswered(this.#tag(id));
    const owned = !this.#cluster && known.owner !== '';
    const destroying = owned
      ? this.#scripts.read(DESTROY_OWNED, [this.#dataKey(id), this.#ownerKey(known.owner), ...forget], [this.#collectionPrefix(id), id])
      : this.#scripts.read(DESTROY, [this.#dataKey(id), ...forget], [this.#collectionPrefix(id)]);
    const unindexed = this.#maxSessions === undefined ? undefined : this.#client.zrem(this.#index, id);
    const [destroyed] = await Promise.all([
      destroying.catch((error: unknown) => {
        this.#scripts.keepAnswered(forget);
        throw error;
      }),
      unindexed,
    ]);
    const owner = typeof destroyed === 'string' && destroyed !== '' ? destroyed : known.owner;
    if (owner !== '' && !(owned && owner === known.owner)) await this.#client.zrem(this.#ownerKey(owner), id);
    return typeof destroyed === 'string';
  }

  /** Reads one entry; rejects with `SESSION_NOT_FOUND` when the session is gone (or the id forged), as the memory store does. */
  async get(id: string, collection: string, key: string): Promise<JsonValue | undefined> {
    if (!isSessionIdShape(id)) throw gone();
    // A key that is not well-formed is never stored (`checkEntryKey`); as UTF-8 it would name another.
    if (!isWellFormedKey(key) || !isWellFormedKey(collection)) return this.#nothingIn(id, undefined);
    return this.#run(async () => {
      const stored = await this.#scripts.read(GET, this.#keys(id, collection), [key]);
      if (stored === -1) throw gone();
      return typeof stored === 'string' ? decode(stored).value : undefined;
    });
  }

  async set(id: string, collection: string, key: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    await this.#write(id, collection, key, value, false, this.#limit(options));
  }

  async setIfAbsent(id: string, collection: string, key: string, value: JsonValue): Promise<boolean> {
    return this.#write(id, collection, key, value, true, this.#maxSessionBytes);
  }

  /**
   * One COMPARE_AND_SET script. It compares the stored text; when that differs from `expected`'s
   * JSON but is the same value in another key order, it is tried once more with the stored text.
   */
  async compareAndSet(
    id: string,
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    options?: WriteOptions,
  ): Promise<boolean> {
    checkEntryKey(collection, key);
    if (!isSessionIdShape(id)) throw gone();
    const keys = this.#keys(id, collection);
    const nextJson = next === undefined ? '' : JSON.stringify(next);
    let expectedJson = expected === undefined ? '' : JSON.stringify(expected);
    const limit = this.#limit(options);
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = this.#full(
        await this.#run(() =>
          this.#scripts.write(
            COMPARE_AND_SET,
            keys,
            [collection, key, expectedJson, nextJson, limit, keySize(key), nextJson.length],
            this.#fence(id),
          ),
        ),
      );
      if (reply === 1) return true;
      if (reply === -1) throw gone();
      const stored = (reply as [number, string])[1];
      if (stored === '' || expected === undefined || !sameJson(JSON.parse(stored) as JsonValue, expected)) return false;
      expectedJson = stored;
    }
    return false;
  }

  /** Deletes one entry; true when it existed. Rejects with `SESSION_NOT_FOUND` when the session is gone. */
  async delete(id: string, collection: string, key: string): Promise<boolean> {
    if (!isSessionIdShape(id)) throw gone();
    if (!isWellFormedKey(key) || !isWellFormedKey(collection)) return this.#nothingIn(id, false);
    const args = [key, keySize(key)];
    return this.#run(async () => {
      const deleted = await this.#scripts.write(DELETE, this.#keys(id, collection), args, this.#fence(id));
      if (deleted === -1) throw gone();
      return deleted === 1;
    });
  }

  /**
   * All entries of a collection in insertion order (an overwritten entry keeps its place). Rejects
   * with `SESSION_NOT_FOUND` when the session is gone, so a batch's first read of a collection in a
   * session destroyed meanwhile answers 401 (see `RedisUnitOfWork`).
   */
  async list(id: string, collection: string): Promise<Array<[string, JsonValue]>> {
    if (!isSessionIdShape(id)) throw gone();
    if (!isWellFormedKey(collection)) return this.#nothingIn(id, []);
    return this.#run(async () => {
      const flat = await this.#scripts.read(LIST, this.#keys(id, collection), []);
      if (flat === -1) throw gone();
      if (!Array.isArray(flat)) return [];
      const entries: Array<{ key: string; seq: number; value: JsonValue }> = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ key: flat[i] as string, ...decode(flat[i + 1] as string) });
      return entries.sort((a, b) => a.seq - b.seq).map((e): [string, JsonValue] => [e.key, e.value]);
    });
  }

  /**
   * A batch's buffered view of session `id`: each collection is read once (one round trip), and the
   * batch's writes travel as APPLY scripts of up to 2048 writes each instead of one round trip apiece.
   * An add whose key another node took meanwhile, or a compare-and-set whose entry another node
   * changed meanwhile, is refused by the script, and its sub-request answers 409 `CONFLICT`.
   */
  unitOfWork(id: string, fresh: boolean): SessionUnitOfWork {
    const valid = isSessionIdShape(id);
    return new RedisUnitOfWork(
      {
        list: (collection) => this.list(id, collection),
        apply: (args, undo) => {
          if (!valid) return Promise.resolve([-1, 0]);
          // Undo steps carry no operation key: unconfirmed, they are re-applied (owe), never compensated.
          // Nor do they meet the session cap: they put back what the session held (see WriteOptions).
          const fence = undo === true ? undefined : this.#fence(id);
          const limit = undo === true ? 0 : this.#maxSessionBytes;
          const keys = this.#applyKeys(id, args);
          const send = (runs: boolean) => {
            const { ops, sizes } = packOps(args, runs);
            return this.#scripts.write(APPLY, keys, [this.#collectionPrefix(id), ops, limit, sizes], fence) as Promise<
              [number, number, number?]
            >;
          };
          return this.#run(async () => {
            // Runs leave out the JSON of writes a later one overwrites; a script with a run that may
            // pass the cap, where stopping would need that JSON, wrote nothing (3): sent again without runs.
            const reply = await send(undo !== true);
            return reply[0] === 3 ? await send(false) : reply;
          });
        },
        reapply: (args) => {
          const { ops, sizes } = packOps(args, false);
          return this.#scripts.write(APPLY, this.#applyKeys(id, args), [this.#collectionPrefix(id), ops, 0, sizes]);
        },
        // A plain EXISTS, not a script: it only tells whether the session was destroyed or expired.
        exists: () => (valid ? this.#run(async () => (await this.#client.exists(this.#dataKey(id))) === 1) : Promise.resolve(false)),
        maxSessionBytes: this.#maxSessionBytes,
        owe: (step) => this.#scripts.compensator.add(`undo:${id}:${++this.#owedSteps}`, step, true),
      },
      fresh,
    );
  }

  /**
   * Writes an engine-level record (an idempotency key) unless a live one is there: one script
   * (`PUT_RECORD`), so of concurrent callers on any number of nodes exactly one gets true. Under
   * `limits` the owner's oldest record may be dropped first, or the write fail with `RECORD_LIMIT`.
   */
  async putRecordIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean> {
    const keys = this.#recordKeys(namespace);
    return this.#run(() => records.writeRecord(this.#scripts, keys, key, value, ttlMs, true, limits));
  }

  /** Writes or overwrites an engine-level record for `ttlMs`; false when over the byte budget of `limits`. */
  async setRecord(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean> {
    const keys = this.#recordKeys(namespace);
    return this.#run(() => records.writeRecord(this.#scripts, keys, key, value, ttlMs, false, limits));
  }

  /** Reads an engine-level record; `undefined` when absent or expired. */
  async getRecord(namespace: string, key: string): Promise<JsonValue | undefined> {
    const keys = this.#recordKeys(namespace);
    return this.#run(() => records.readRecord(this.#scripts, keys, key));
  }

  /** Deletes an engine-level record; true when it existed. */
  async deleteRecord(namespace: string, key: string): Promise<boolean> {
    const keys = this.#recordKeys(namespace);
    return this.#run(() => records.deleteRecord(this.#scripts, keys, key));
  }

  /** Closes the client when the store made it from a URL; a client the app passed in stays open. */
  async close(): Promise<void> {
    await this.#scripts.compensator.close(this.#waitMs);
    // The undo logs of answered writes not deleted yet go now (they would expire by themselves).
    await this.#scripts.close();
    if (!this.#owned) return;
    // QUIT lets pending replies arrive; without a connection, disconnect also stops reconnecting.
    if (this.#client.status === 'ready') await this.#client.quit().catch(() => undefined);
    this.#client.disconnect();
  }

  async #write(id: string, collection: string, key: string, value: JsonValue, onlyIfAbsent: boolean, limit: number): Promise<boolean> {
    checkEntryKey(collection, key);
    if (!isSessionIdShape(id)) throw gone();
    const json = JSON.stringify(value);
    const args = [collection, key, json, onlyIfAbsent ? 1 : 0, limit, keySize(key), json.length];
    const written = this.#full(await this.#run(() => this.#scripts.write(SET, this.#keys(id, collection), args, this.#fence(id))));
    if (written === -1) throw gone();
    return written === 1;
  }

  /**
   * `nothing`, what a read or delete of a key no entry can have finds (it is never sent: as UTF-8
   * it would name another key), once Redis says the session exists; else `SESSION_NOT_FOUND`.
   */
  async #nothingIn<T>(id: string, nothing: T): Promise<T> {
    const exists = await this.#run(() => this.#client.exists(this.#dataKey(id)));
    if (exists === 0) throw gone();
    return nothing;
  }

  /** The session cap a write is sent with: none for an undo (see {@link WriteOptions}). */
  #limit(options: WriteOptions | undefined): number {
    return options?.undo === true ? 0 : this.#maxSessionBytes;
  }

  /** A script's reply, unless it is `{-2, size}` (the write would take the session past its cap): then `SESSION_FULL`. */
  #full(reply: unknown): unknown {
    if (Array.isArray(reply) && reply[0] === -2) throw sessionFullError(this.#maxSessionBytes, Number(reply[1]));
    return reply;
  }

  /** Counts `id` against `owner`, destroying the owner's least-recently-used sessions beyond its quota. */
  async #ownerAdmit(owner: string, maxPerOwner: number | undefined, id: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    const args = [now, this.#quota(maxPerOwner), id, now + ttlMs, ttlMs];
    await this.#destroyEvicted((await this.#scripts.write(OWNER_ADMIT, [this.#ownerKey(owner)], args)) as string[]);
  }

  /** How many sessions one owner may hold: below the global limit, so others can always open a session. */
  #quota(maxPerOwner: number | undefined): number {
    const global = this.#maxSessions === undefined ? Number.MAX_SAFE_INTEGER : this.#maxSessions - 1;
    return Math.max(1, Math.min(maxPerOwner ?? global, global));
  }

  /** Destroys the sessions an owner's count took out (least recently used past its quota). */
  async #destroyEvicted(evicted: readonly string[]): Promise<void> {
    await Promise.all(
      evicted.map(async (old) => {
        const destroying = this.#scripts.read(DESTROY, [this.#dataKey(old)], [this.#collectionPrefix(old)]);
        const unindexed = this.#maxSessions === undefined ? undefined : this.#client.zrem(this.#index, old);
        await Promise.all([destroying, unindexed]);
      }),
    );
  }

  async #admit(id: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    const admitted = await this.#scripts.write(ADMIT, [this.#index], [now, this.#maxSessions as number, id, now + ttlMs]);
    if (admitted !== 1) throw new RestBatchError('SESSION_LIMIT', 'Too many open sessions; try again later');
  }

  /**
   * A load's bookkeeping (the owner's last use, the `maxSessions` index): a `ZADD`, which Redis
   * refuses at `maxmemory` under `noeviction` (OOM) where the read itself and a destroy still run.
   * Refused for memory, it is skipped, so sessions stay readable and deletable; `onError` is told
   * once, and again only after one has landed in between. Skipped, an owner's session may be the
   * least recently used one a later create ends, and one missing from the index may count no more.
   */
  async #bookkeeping(write: Promise<unknown>): Promise<void> {
    try {
      await write;
      this.#bookkeepingRefused = false;
    } catch (error) {
      if (!isOutOfMemory(error)) throw error;
      if (this.#bookkeepingRefused) return;
      this.#bookkeepingRefused = true;
      const message = (error as Error).message;
      this.#onError(new Error(`restbatch: Redis is out of memory; sessions are read without recording their last use (${message})`));
    }
  }

  /** Runs one store operation, mapping client failures to `STORE_UNAVAILABLE`. */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await this.#scripts.connected(this.#waitMs);
      return await operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  #recordKeys(namespace: string): records.RecordKeys {
    let keys = this.#namespaces.get(namespace);
    if (keys === undefined) {
      keys = new records.RecordKeys(this.#prefix, namespace);
      this.#namespaces.set(namespace, keys);
    }
    return keys;
  }

  /** The sorted set of an owner's sessions; owners are caller keys, hashed so any text is safe. */
  #ownerKey(owner: string): string {
    let key = this.#ownerKeys.get(owner);
    if (key === undefined) {
      key = `${this.#prefix}owner:{${createHash('sha256').update(owner).digest('hex')}}`;
      this.#ownerKeys.set(owner, key);
    }
    return key;
  }

  /** Where a write to session `id` leaves its undo log, so it can be undone if its outcome is unknown. */
  #fence(id: string): Fence {
    return { tag: this.#tag(id), dataKey: this.#dataKey(id), collectionPrefix: this.#collectionPrefix(id) };
  }

  /** What every key of session `id` starts with: the prefix and its hash tag. */
  #tag(id: string): string {
    return `${this.#prefix}{${id}}:`;
  }

  #dataKey(id: string): string {
    return `${this.#prefix}{${id}}:data`;
  }

  #collectionPrefix(id: string): string {
    return `${this.#prefix}{${id}}:c:`;
  }

  #keys(id: string, collection: string): string[] {
    return [this.#dataKey(id), `${this.#collectionPrefix(id)}${collection}`];
  }

  /**
   * The keys an APPLY script touches, declared so that Redis Cluster runs it only where they all
   * are (see session-scripts.ts): the data key, then each collection its writes (four args each) name.
   */
  #applyKeys(id: string, args: readonly string[]): string[] {
    const keys = [this.#dataKey(id)];
    const prefix = this.#collectionPrefix(id);
    const seen = new Set<string>();
    for (let i = 1; i < args.length; i += 4) {
      const collection = args[i] as string;
      if (seen.has(collection)) continue;
      seen.add(collection);
      keys.push(`${prefix}${collection}`);
    }
    return keys;
  }
}

function gone(): RestBatchError {
  return new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
}

// Sizes are counted as the memory store counts them (core's `dataSize` and `memberSize`: the
// UTF-16 code units of the JSON text), here from the JSON text the store sends, so both stores
// refuse the same writes. The scripts measure what a write replaces from its stored text (see
// SIZES in session-scripts.ts).

/**
 * `dataSize` of the data `json` is the JSON text of: its members' sizes, i.e. the text less its
 * braces and the commas between members (`{}`: 0).
 */
function dataSizeOf(json: string): number {
  return json.length <= 2 ? 0 : json.length - 1;
}

/** Splits a stored entry `<seq>:<JSON>`. */
function decode(stored: string): { seq: number; value: JsonValue } {
  const colon = stored.indexOf(':');
  return { seq: Number(stored.slice(0, colon)), value: JSON.parse(stored.slice(colon + 1)) as JsonValue };
}
