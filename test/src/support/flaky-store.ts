import {
  type CreateSessionOptions,
  type DataPatch,
  type JsonValue,
  MemorySessionStore,
  type PatchedData,
  RestBatchError,
  type WriteOptions,
} from '@restbatch/core';

/** How a {@link FlakyStore}'s destroy behaves. */
export type DestroyMode = 'works' | 'fails' | 'queued';

/**
 * A memory store that fails chosen session writes with 503 `STORE_UNAVAILABLE`, as a store that
 * lost its server does: the write is not made. Writes are counted from 1 across create, save,
 * patchData, set, setIfAbsent, compareAndSet and delete; `failing` holds the numbers that fail.
 * Engine-level records (idempotency keys) always work.
 */
export class FlakyStore extends MemorySessionStore {
  writes = 0;
  failing = new Set<number>();
  /** `fails`: destroy rejects and deletes nothing; `queued`: it deletes, then rejects as a store that finishes it later does. */
  destroyMode: DestroyMode = 'works';

  /** Fails the next `count` writes after `skip` writes that work. */
  failNext(count: number, skip = 0): void {
    this.failing = new Set(Array.from({ length: count }, (_, i) => this.writes + skip + i + 1));
  }

  #write(): void {
    this.writes++;
    if (this.failing.has(this.writes)) throw new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; retry later');
  }

  override async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    this.#write();
    return super.create(data, options);
  }

  override async save(id: string, data: Record<string, JsonValue>, options?: WriteOptions): Promise<boolean> {
    this.#write();
    return super.save(id, data, options);
  }

  override async patchData(id: string, patch: DataPatch, options?: WriteOptions): Promise<PatchedData | undefined> {
    this.#write();
    return super.patchData(id, patch, options);
  }

  override async set(id: string, collection: string, key: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    this.#write();
    return super.set(id, collection, key, value, options);
  }

  override async setIfAbsent(id: string, collection: string, key: string, value: JsonValue): Promise<boolean> {
    this.#write();
    return super.setIfAbsent(id, collection, key, value);
  }

  override async compareAndSet(
    id: string,
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    options?: WriteOptions,
  ): Promise<boolean> {
    this.#write();
    return super.compareAndSet(id, collection, key, expected, next, options);
  }

  override async delete(id: string, collection: string, key: string): Promise<boolean> {
    this.#write();
    return super.delete(id, collection, key);
  }

  override async destroy(id: string): Promise<boolean> {
    if (this.destroyMode === 'fails') throw new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; retry later');
    const destroyed = await super.destroy(id);
    if (this.destroyMode === 'queued') {
      throw new RestBatchError('STORE_UNAVAILABLE', 'The session store is unavailable; the session is destroyed once it answers again', {
        details: { queued: true },
      });
    }
    return destroyed;
  }
}
