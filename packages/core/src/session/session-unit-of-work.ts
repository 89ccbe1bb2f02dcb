import type { JsonValue } from './session-store.js';

/** A write a {@link SessionUnitOfWork} has taken: applied to the batch's view, maybe not yet to the store. */
export interface BufferedWrite {
  /** The entry's value before the write, as the batch saw it (`undefined`: absent). */
  readonly previous: JsonValue | undefined;
  /** True once the store is known NOT to have applied the write, so there is nothing to undo. */
  readonly failed: boolean;
}

/**
 * A batch's view of one session, offered by stores that pay a round trip per call (Redis): the
 * first read of a collection loads it whole, later reads and existence checks are answered from
 * that copy, and writes change the copy at once and are sent to the store in the background, in
 * order. The executor never reports a sub-request before its writes are acknowledged: it calls
 * {@link SessionUnitOfWork.flush} and {@link SessionUnitOfWork.takeFailures} before it streams a
 * result, before a decision that depends on earlier results, and at the end of the batch.
 *
 * Reads see the session as it was when the batch first read each collection, plus the batch's own
 * writes; a concurrent change by another node to the same entry is not seen until the next batch.
 * A session destroyed meanwhile (or expired) answers as on a store without a copy, 401: the first
 * read of a collection rejects with `SESSION_NOT_FOUND`; a read answered from the copy cannot know
 * at once, so it waits for the store's next word on the session (a load, a write's script, or a check
 * that `flush` sends when nothing else went out after it), and when that says the session is gone,
 * `takeFailures` reports with that code every sub-request that used the copy since the store last
 * found the session (the executor then replaces its answer, a 404 or 409 built on the copy too);
 * from then on every read and write rejects with it (the Redis store does so).
 */
export interface SessionUnitOfWork {
  /** The sub-request now running (its position in the batch); reads and writes are charged to it. */
  index: number;
  /** Reads one entry of a collection. */
  get(collection: string, key: string): Promise<JsonValue | undefined>;
  /** All entries of a collection, in insertion order. */
  list(collection: string): Promise<Array<[string, JsonValue]>>;
  /** Writes one entry. */
  set(collection: string, key: string, value: JsonValue): Promise<BufferedWrite>;
  /**
   * Writes an entry when the batch's view has no such key; `undefined` when it has. The store
   * checks again when it applies the write: if another node added the key meanwhile, the
   * sub-request fails with `CONFLICT` (409).
   */
  add(collection: string, key: string, value: JsonValue): Promise<BufferedWrite | undefined>;
  /**
   * Replaces an entry with `next` (`undefined`: deletes it) when the batch's view holds `expected`
   * (`undefined`: absent); `undefined` when it does not. The store checks `expected` again when it
   * applies the write: if another node changed the entry meanwhile, then with `onMismatch`
   * `'conflict'` nothing from there on is applied and the sub-request fails with `CONFLICT` (409);
   * with `'skip'` this one write is silently not applied (a conditional delete, an undo). Optional:
   * without it, `Session.modify` reads then writes through the other methods.
   *
   * `options.undo`: the write is an undo step of a rollback (`onMismatch` is `'skip'`). It is sent
   * whatever the batch's view holds, and since it is conditional it can be sent again: a store that
   * cannot confirm it keeps re-applying it until Redis answers, and reports the sub-request's
   * failure with code `ROLLBACK_PENDING` (see {@link SessionUnitOfWork.takeFailures}).
   */
  compareAndSet?(
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    onMismatch: 'conflict' | 'skip',
    options?: { undo?: boolean },
  ): Promise<BufferedWrite | undefined>;
  /** Deletes one entry; `undefined` when the batch's view has no such key. */
  delete(collection: string, key: string): Promise<BufferedWrite | undefined>;
  /**
   * Sends every buffered write and resolves once all writes taken so far are answered, and once the
   * store has confirmed the session still exists after every read answered from the copy (never
   * rejects). `reach`: only the reads of sub-requests up to that position need confirming (the
   * executor, before a sub-request that reads their results: its dependencies and references);
   * omitted, all of them (before results are reported).
   */
  flush(reach?: number): Promise<void>;
  /**
   * The sub-requests (by position) whose result can no longer be reported as a success, with the
   * error to report, found since the last call: a write that failed, was refused, or was never
   * applied, and every later sub-request that used the session's view built on it; or, with
   * `SESSION_NOT_FOUND`, every sub-request that used the view after the store last found the
   * session, which the executor reports so even where it answered another failure from the view.
   */
  takeFailures(): Map<number, unknown> | undefined;
  /**
   * Whether the store confirmed it applied a write charged to the sub-request at `index` (not an
   * undo step), asked once the batch is over, after its last flush. A batch sent with an
   * `Idempotency-Key` reads it: a sub-request that answers 503 `STORE_UNAVAILABLE` after one of its
   * writes was applied changed something, so the batch's answer is kept and a retry does not run it
   * again (docs/idempotency.md). Optional: without it, a 503 counts as having changed nothing.
   */
  applied?(index: number): boolean;
}
