import type { SessionUnitOfWork } from './session-unit-of-work.js';

/** Values kept in a session are plain JSON values. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A change to a session's data: each member replaces that field; an `undefined` member removes it. */
export type DataPatch = Record<string, JsonValue | undefined>;

/** What {@link SessionStore.patchData} did: the session's data before and after the patch. */
export interface PatchedData {
  previous: Record<string, JsonValue>;
  data: Record<string, JsonValue>;
}

/** Whom a new session is counted against, and how many live sessions that caller may keep. */
export interface SessionOwner {
  /** The caller key (see `callerKey`): the authenticated identity, else the remote address. */
  owner: string;
  /**
   * The most live sessions of this owner: creating one more first ends the owner's
   * least-recently-used session (the store's global limit always stays out of one owner's reach).
   */
  maxPerOwner: number;
}

/**
 * The budget an engine-level record is written under (per namespace). A new record of an owner
 * already holding `maxPerOwner` first drops that owner's oldest record; a new record beyond
 * `maxRecords` fails with `RECORD_LIMIT` (503); a write that would take the JSON bytes of all
 * records over `maxBytes` is refused (`putRecordIfAbsent`: `RECORD_LIMIT`; `setRecord`: false).
 * Expired records stop counting without a sweep of all records.
 */
export interface RecordLimits {
  /** The caller the record is counted against (see `callerKey`). */
  owner: string;
  maxPerOwner: number;
  maxRecords: number;
  maxBytes: number;
}

/** How a write to a session is made. */
export interface WriteOptions {
  /**
   * The write undoes an earlier one (a step of an atomic group's rollback). Stores let it pass
   * their byte caps (`maxSessionBytes`, `maxBytes`): it puts back what the session held, and a
   * rollback refused half-way would leave the session neither before nor after the group. The
   * session may then be over its cap (by what other batches wrote meanwhile) until it shrinks.
   */
  undo?: boolean;
}

/** Options for creating a session. */
export interface CreateSessionOptions extends Partial<SessionOwner> {
  /** Idle time after which the session expires; each use extends it (sliding expiry). */
  ttlMs: number;
}

/**
 * Where sessions and their per-session collections (roles, parameters, idempotency keys...) live.
 * Implementations: {@link MemorySessionStore} (default) and `@restbatch/redis`.
 *
 * Ids are created by the store and are never chosen by a client. Every method that takes an id
 * must treat an unknown, expired, destroyed or malformed id as absent: `load` answers undefined,
 * `save` and `destroy` false, and every method on its entries (`get`, `list`, `set`,
 * `setIfAbsent`, `compareAndSet`, `delete`) rejects with `SESSION_NOT_FOUND`, so that a
 * sub-request of a batch whose session was destroyed meanwhile answers 401 as the same call alone
 * does. Both built-in stores do so; a store that answers reads and deletes as for an empty session
 * instead still works, but such a sub-request then answers as in an empty session (200 `[]`, 404).
 * An undo step's write into a session that is gone has nothing to put back: the engine counts it
 * as done. Methods reject with a `STORE_UNAVAILABLE` `RestBatchError` when the backing service is
 * down.
 *
 * Both built-in stores cap what one session holds (`maxSessionBytes`): a write (create's data,
 * save, patchData, set, setIfAbsent, compareAndSet) that would take the session's data and
 * entries past it is not made and rejects with 507 `SESSION_FULL` (see `sessionFullError`);
 * a write that does not grow the session, and an undo (see {@link WriteOptions}), always passes.
 */
export interface SessionStore {
  /** Creates a session holding `data` and returns its new id. */
  create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string>;
  /** Reads a session's data and extends its life; `undefined` when unknown or expired. */
  load(id: string, ttlMs: number): Promise<Record<string, JsonValue> | undefined>;
  /** Replaces a session's data; false when the session is gone. */
  save(id: string, data: Record<string, JsonValue>, options?: WriteOptions): Promise<boolean>;
  /**
   * Merges `patch` into a session's data (top-level fields) atomically, so that two nodes patching
   * different fields at once both land; `undefined` when the session is gone. Optional: without
   * it, `Session.update` reads, merges and saves, which can lose a concurrent update on another node.
   */
  patchData?(id: string, patch: DataPatch, options?: WriteOptions): Promise<PatchedData | undefined>;
  /**
   * Deletes a session and everything in it; false when it did not exist. When the backing service
   * does not answer, rejects with `STORE_UNAVAILABLE`. A store that will still finish the destroy by
   * itself once the service answers (as the Redis store does) says so with `details: { queued: true }`
   * on that error: an atomic run that created the session and rolls back then answers 503
   * `ROLLBACK_PENDING`; without it, the destroy counts as failed and the run answers 500
   * `ROLLBACK_INCOMPLETE`.
   */
  destroy(id: string): Promise<boolean>;
  /** Reads one entry of a collection. */
  get(id: string, collection: string, key: string): Promise<JsonValue | undefined>;
  /**
   * Writes one entry of a collection. A key or collection name that is not well-formed Unicode (a
   * lone surrogate) is refused by every write with 400 `VALIDATION_FAILED` (see `checkEntryKey`):
   * a store that encodes keys as UTF-8 could not keep it apart from others.
   */
  set(id: string, collection: string, key: string, value: JsonValue, options?: WriteOptions): Promise<void>;
  /** Writes an entry only if absent; true when it was written. */
  setIfAbsent?(id: string, collection: string, key: string, value: JsonValue): Promise<boolean>;
  /**
   * Atomically: when the entry equals `expected` (compared as canonical JSON, see `canonicalJson`;
   * `undefined`: absent), replaces it with `next` (`undefined`: deletes it) and returns true;
   * otherwise changes nothing and returns false. Rejects with `SESSION_NOT_FOUND` when the session
   * is gone. Optional: without it, `Session.modify` and `Session.deleteIf` read then write, which
   * is safe in one process but can lose a concurrent update made on another node, and the undo
   * of an atomic run's entry write puts the old value back unconditionally, so it can overwrite a
   * write another batch made to that entry after the run's (with it, only where the run's value is).
   */
  compareAndSet?(
    id: string,
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    options?: WriteOptions,
  ): Promise<boolean>;
  /** Deletes one entry; true when it existed. */
  delete(id: string, collection: string, key: string): Promise<boolean>;
  /** All entries of a collection, in insertion order. */
  list(id: string, collection: string): Promise<Array<[string, JsonValue]>>;
  /**
   * Engine-level records that belong to no session (idempotency keys): writes `value` under
   * `namespace` and `key` for `ttlMs` unless a live record is there; true when written. Atomic:
   * of two concurrent calls with the same key, exactly one gets true (across nodes for shared stores).
   * Under `limits` (see {@link RecordLimits}) the write may drop the owner's oldest record or fail.
   * Optional: without the four record methods, engine features that need them are off.
   */
  putRecordIfAbsent?(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean>;
  /**
   * Writes (or overwrites) an engine-level record for `ttlMs`. Under `limits`, a write that would
   * take the namespace over `maxBytes` is not made and the promise resolves to false.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores written before budgets resolve to nothing (void), which still means "written".
  setRecord?(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean | void>;
  /** Reads an engine-level record; `undefined` when absent or expired. */
  getRecord?(namespace: string, key: string): Promise<JsonValue | undefined>;
  /** Deletes an engine-level record; true when it existed. */
  deleteRecord?(namespace: string, key: string): Promise<boolean>;
  /**
   * A batch's buffered view of one session (see {@link SessionUnitOfWork}); `fresh` when the batch
   * has just created the session, so every collection is known to be empty. Optional: stores
   * without it (the memory store) are called directly, one awaited call per operation.
   */
  unitOfWork?(id: string, fresh: boolean): SessionUnitOfWork;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}
