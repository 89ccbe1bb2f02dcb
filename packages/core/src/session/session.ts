import { RestBatchError } from '../errors/restbatch-error.js';
import type { Journal } from './journal.js';
import type { JsonValue, SessionStore } from './session-store.js';
import type { SessionUnitOfWork } from './session-unit-of-work.js';

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

  constructor(id: string, data: Record<string, JsonValue>, store: SessionStore) {
    this.id = id;
    this.#data = data;
    this.#store = store;
  }

  /** The session's own data (frozen; use {@link Session.update} to change it). */
  get data(): Readonly<Record<string, JsonValue>> {
    return this.#data;
  }

  /** Merges `patch` into the session's data and saves it. */
  async update(patch: Record<string, JsonValue>): Promise<void> {
    const previous = this.#data;
    const next = { ...previous, ...patch };
    if (!(await this.#store.save(this.id, next))) {
      throw new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
    }
    this.#data = next;
    this.journal?.record(async () => {
      await this.#store.save(this.id, previous);
      this.#data = previous;
    });
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
      this.journal?.record(() => (write.failed ? undefined : this.#restore(collection, key, write.previous)));
      return;
    }
    if (this.journal !== undefined) {
      const previous = await this.#store.get(this.id, collection, key);
      this.journal.record(() => this.#restore(collection, key, previous));
    }
    await this.#store.set(this.id, collection, key, value);
  }

  /** Writes an entry only when the key is free; true when written. */
  async add(collection: string, key: string, value: JsonValue): Promise<boolean> {
    if (this.unit !== undefined) {
      const write = await this.unit.add(collection, key, value);
      if (write !== undefined) this.journal?.record(() => (write.failed ? undefined : this.#restore(collection, key, undefined)));
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
    if (added) this.journal?.record(() => this.#restore(collection, key, undefined));
    return added;
  }

  /** Deletes one entry; true when it existed. */
  async delete(collection: string, key: string): Promise<boolean> {
    if (this.unit !== undefined) {
      const write = await this.unit.delete(collection, key);
      if (write !== undefined) this.journal?.record(() => (write.failed ? undefined : this.#restore(collection, key, write.previous)));
      return write !== undefined;
    }
    const previous = this.journal === undefined ? undefined : await this.#store.get(this.id, collection, key);
    const deleted = await this.#store.delete(this.id, collection, key);
    if (deleted && previous !== undefined) this.journal?.record(() => this.#restore(collection, key, previous));
    return deleted;
  }

  async #restore(collection: string, key: string, previous: JsonValue | undefined): Promise<void> {
    // In a batch the undo goes through the same buffered view; the executor awaits it after rollback.
    if (this.unit !== undefined) {
      if (previous === undefined) await this.unit.delete(collection, key);
      else await this.unit.set(collection, key, previous);
      return;
    }
    if (previous === undefined) await this.#store.delete(this.id, collection, key);
    else await this.#store.set(this.id, collection, key, previous);
  }
}
