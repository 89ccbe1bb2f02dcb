import { isRestBatchError, RestBatchError } from '../errors/restbatch-error.js';
import { sameJson } from './canonical-json.js';
import type { Journal } from './journal.js';
import { mergeData, reversePatch } from './merge-data.js';
import type { DataPatch, JsonValue, SessionStore } from './session-store.js';
import type { SessionUnitOfWork } from './session-unit-of-work.js';
import { excerpt, quoted } from '../errors/excerpt.js';

// Marks a write as an undo step of a rollback (it passes the store's byte caps, see WriteOptions).
const UNDO = { undo: true } as const;

// Compare-and-set attempts of one `modify` before it gives up with CONFLICT.
const MAX_ATTEMPTS = 8;

/**
 * The session a sub-request runs in, as handlers see it: the session's data plus named
 * collections of entries. Every write goes through here so that an atomic group can undo it.
 */
export class Session {
  readonly id: string;
  #data: Record<string, JsonValue>;
  readonly #store: SessionStore;
  /** Set by the executor while an atomic group runs; records how to undo each write. */
  journal: Journal | undefined;
  /** Set by the executor while a batch runs on a store that buffers (see {@link SessionUnitOfWork}). */
  unit: SessionUnitOfWork | undefined;
  /**
   * Set by the executor while a batch judges whether it may simply run again: told of each write
   * the store acknowledged (a buffered write is told of by its {@link SessionUnitOfWork} instead).
   */
  acknowledged: ((session: Session) => void) | undefined;

  constructor(id: string, data: Record<string, JsonValue>, store: SessionStore) {
    this.id = id;
    this.#data = data;
    this.#store = store;
  }

  /** The session's own data (frozen; use {@link Session.update} to change it). */
  get data(): Readonly<Record<string, JsonValue>> {
    return this.#data;
  }

  /**
   * Merges `patch` into the session's data: each member replaces that field, an `undefined` member
   * removes it. Atomic on stores with `patchData` (memory, Redis): a concurrent update of other
   * fields, on this node or another, is kept. Undone by putting back only the fields it touched.
   */
  async update(patch: DataPatch): Promise<void> {
    if (this.#store.patchData === undefined) {
      // Not safe across nodes: a concurrent update of another field made elsewhere is overwritten.
      const previous = this.#data;
      const next = mergeData(previous, patch);
      if (!(await this.#store.save(this.id, next))) throw gone();
      this.acknowledged?.(this);
      this.#data = next;
      this.journal?.record(async () => {
        await this.#store.save(this.id, previous, UNDO);
        this.#data = previous;
      });
      return;
    }
    const previous = await this.#patch(patch);
    this.acknowledged?.(this);
    this.journal?.record(() => this.#patch(reversePatch(previous, patch), true).then(() => undefined));
  }

  /** Reads one entry of a collection. */
  get(collection: string, key: string): Promise<JsonValue | undefined> {
    if (this.unit !== undefined) return this.unit.get(collection, key);
    return this.#store.get(this.id, collection, key);
  }

  /** All entries of a collection, in insertion order. */
  list(collection: string): Promise<Array<[string, JsonValue]>> {
    if (this.unit !== undefined) return this.unit.list(collection);
    return this.#store.list(this.id, collection);
  }

  /** Writes one entry of a collection. */
  async set(collection: string, key: string, value: JsonValue): Promise<void> {
    if (this.unit !== undefined) {
      const write = await this.unit.set(collection, key, value);
      this.journal?.record(() => (write.failed ? undefined : this.#undo(collection, key, write.previous, value)));
      return;
    }
    if (this.journal !== undefined) {
      const previous = await this.#store.get(this.id, collection, key);
      this.journal.record(() => this.#putBack(collection, key, value, previous));
    }
    await this.#store.set(this.id, collection, key, value);
    this.acknowledged?.(this);
  }

  /** Writes an entry only when the key is free; true when written. */
  async add(collection: string, key: string, value: JsonValue): Promise<boolean> {
    if (this.unit !== undefined) {
      const write = await this.unit.add(collection, key, value);
      if (write !== undefined) this.journal?.record(() => (write.failed ? undefined : this.#undo(collection, key, undefined, value)));
      return write !== undefined;
    }
    let added: boolean;
    if (this.#store.setIfAbsent !== undefined) {
      added = await this.#store.setIfAbsent(this.id, collection, key, value);
    } else if ((await this.#store.get(this.id, collection, key)) === undefined) {
      await this.#store.set(this.id, collection, key, value);
      added = true;
    } else {
      added = false;
    }
    if (added) {
      this.acknowledged?.(this);
      this.journal?.record(() => this.#putBack(collection, key, value, undefined));
    }
    return added;
  }

  /** Deletes one entry; true when it existed. */
  async delete(collection: string, key: string): Promise<boolean> {
    if (this.unit !== undefined) {
      const write = await this.unit.delete(collection, key);
      if (write !== undefined)
        this.journal?.record(() => (write.failed ? undefined : this.#undo(collection, key, write.previous, undefined)));
      return write !== undefined;
    }
    const previous = this.journal === undefined ? undefined : await this.#store.get(this.id, collection, key);
    const deleted = await this.#store.delete(this.id, collection, key);
    if (deleted) this.acknowledged?.(this);
    if (deleted && previous !== undefined) this.journal?.record(() => this.#putBack(collection, key, undefined, previous));
    return deleted;
  }

  /**
   * Changes one entry from its current value (`undefined`: absent) to what `change` returns
   * (`undefined`: delete it); returns the value now stored. `change` may throw to refuse. Outside a
   * batch, the write is a compare-and-set: if the entry changed meanwhile (another node), `change`
   * runs again on the new value, up to 8 times, then `CONFLICT` (409). In a batch on a buffering
   * store, the write carries the value the batch read; if the store holds another one when it
   * applies it, the sub-request fails with `CONFLICT` (409). Stores without compare-and-set fall
   * back to read then write, which is not safe across nodes.
   */
  async modify(
    collection: string,
    key: string,
    change: (current: JsonValue | undefined) => JsonValue | undefined,
  ): Promise<JsonValue | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(collection, key);
      const next = change(current);
      if (sameJson(current, next)) return current;
      if (await this.#swap(collection, key, current, next, 'conflict')) return next;
    }
    throw new RestBatchError('CONFLICT', `${quoted(key)} of ${excerpt(collection)} kept changing at the same time; retry`);
  }

  /**
   * Deletes one entry only while it holds `expected`; true when deleted. A concurrent change to
   * another value (another node's newer choice) is left alone, in a batch too (there the answer is
   * the batch's view: the store skips the delete if the entry changed meanwhile).
   */
  deleteIf(collection: string, key: string, expected: JsonValue): Promise<boolean> {
    return this.#swap(collection, key, expected, undefined, 'skip');
  }

  async #patch(patch: DataPatch, undo = false): Promise<Record<string, JsonValue>> {
    const patchData = this.#store.patchData as NonNullable<SessionStore['patchData']>;
    const patched = await patchData.call(this.#store, this.id, patch, undo ? UNDO : undefined);
    if (patched === undefined) {
      // An undo has nothing to put back into a session that is gone (destroyed meanwhile, or expired).
      if (undo) return {};
      throw gone();
    }
    this.#data = patched.data;
    return patched.previous;
  }

  /** Writes `next` where the entry holds `expected`; records the undo (put `expected` back where `next` still is). */
  async #swap(
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    onMismatch: 'conflict' | 'skip',
  ): Promise<boolean> {
    const unit = this.unit;
    if (unit?.compareAndSet !== undefined) {
      const write = await unit.compareAndSet(collection, key, expected, next, onMismatch);
      if (write === undefined) return false;
      this.journal?.record(() =>
        write.failed ? undefined : unit.compareAndSet?.(collection, key, next, expected, 'skip', UNDO).then(() => undefined),
      );
      return true;
    }
    const store = this.#store;
    if (unit === undefined && store.compareAndSet !== undefined) {
      if (!(await store.compareAndSet(this.id, collection, key, expected, next))) return false;
      this.acknowledged?.(this);
      this.journal?.record(() => store.compareAndSet?.(this.id, collection, key, next, expected, UNDO).then(() => undefined));
      return true;
    }
    // No compare-and-set: read then write (safe in one process only).
    if (!sameJson(await this.get(collection, key), expected)) return false;
    if (next === undefined) await this.delete(collection, key);
    else await this.set(collection, key, next);
    return true;
  }

  /** Undoes a buffered write: puts `previous` back only where `written` still is, so the store may re-send it until confirmed. */
  async #undo(collection: string, key: string, previous: JsonValue | undefined, written: JsonValue | undefined): Promise<void> {
    const unit = this.unit;
    if (unit?.compareAndSet !== undefined) await unit.compareAndSet(collection, key, written, previous, 'skip', UNDO);
    else await this.#restore(collection, key, previous);
  }

  /**
   * Undoes a direct write: puts `previous` back only where `written` still is, so that a later
   * write by another batch or node is kept. A store without compare-and-set puts it back as is.
   */
  async #putBack(collection: string, key: string, written: JsonValue | undefined, previous: JsonValue | undefined): Promise<void> {
    try {
      if (this.unit === undefined && this.#store.compareAndSet !== undefined) {
        await this.#store.compareAndSet(this.id, collection, key, written, previous, UNDO);
      } else await this.#restore(collection, key, previous);
    } catch (error) {
      // Nothing to put back into a session that is gone (destroyed meanwhile, or expired): the
      // undo is done, as the Redis store's buffered undo is (docs/atomic.md).
      if (!isRestBatchError(error) || error.code !== 'SESSION_NOT_FOUND') throw error;
    }
  }

  async #restore(collection: string, key: string, previous: JsonValue | undefined): Promise<void> {
    // In a batch the undo goes through the same buffered view; the executor awaits it after rollback.
    if (this.unit !== undefined) {
      if (previous === undefined) await this.unit.delete(collection, key);
      else await this.unit.set(collection, key, previous);
      return;
    }
    if (previous === undefined) await this.#store.delete(this.id, collection, key);
    else await this.#store.set(this.id, collection, key, previous, UNDO);
  }
}

function gone(): RestBatchError {
  return new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
}
