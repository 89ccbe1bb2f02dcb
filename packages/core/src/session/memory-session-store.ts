import { RestBatchError } from '../errors/restbatch-error.js';
import { sameJson } from './canonical-json.js';
import { deepFreeze } from './deep-freeze.js';
import { newSessionId } from './session-id.js';
import { mergeData } from './merge-data.js';
import type { CreateSessionOptions, DataPatch, JsonValue, PatchedData, SessionStore } from './session-store.js';

interface Entry {
  data: Record<string, JsonValue>;
  ttlMs: number;
  expiresAt: number;
  collections: Map<string, Map<string, JsonValue>>;
}

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept at once; creating one more fails with `SESSION_LIMIT` (default 100000). */
  maxSessions?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The default {@link SessionStore}: sessions in this process's memory, with sliding expiry.
 * Expired sessions are swept lazily, so the store owns no timer. Values are frozen on write:
 * readers share them safely.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #records = new Map<string, { value: JsonValue; expiresAt: number }>();
  readonly #maxSessions: number;
  readonly #now: () => number;
  #nextSweep = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxSessions = options.maxSessions ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many live sessions the store holds (expired ones are swept first). */
  get size(): number {
    this.#sweep(true);
    return this.#sessions.size;
  }

  async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    this.#sweep(false);
    if (this.#sessions.size >= this.#maxSessions) {
      this.#sweep(true);
      if (this.#sessions.size >= this.#maxSessions) {
        throw new RestBatchError('SESSION_LIMIT', 'Too many open sessions; try again later');
      }
    }
    const id = newSessionId();
    const now = this.#now();
    this.#sessions.set(id, {
      data: deepFreeze(data),
      ttlMs: options.ttlMs,
      expiresAt: now + options.ttlMs,
      collections: new Map(),
    });
    return id;
  }

  async load(id: string, ttlMs: number): Promise<Record<string, JsonValue> | undefined> {
    const entry = this.#live(id);
    if (entry === undefined) return undefined;
    entry.ttlMs = ttlMs;
    entry.expiresAt = this.#now() + ttlMs;
    return entry.data;
  }

  async save(id: string, data: Record<string, JsonValue>): Promise<boolean> {
    const entry = this.#live(id);
    if (entry === undefined) return false;
    entry.data = deepFreeze(data);
    return true;
  }

  async patchData(id: string, patch: DataPatch): Promise<PatchedData | undefined> {
    // No await between the read and the write: a concurrent patch cannot slip in between.
    const entry = this.#live(id);
    if (entry === undefined) return undefined;
    const previous = entry.data;
    entry.data = deepFreeze(mergeData(previous, patch));
    return { previous, data: entry.data };
  }

  async destroy(id: string): Promise<boolean> {
    return this.#live(id) !== undefined && this.#sessions.delete(id);
  }

  async get(id: string, collection: string, key: string): Promise<JsonValue | undefined> {
    return this.#live(id)?.collections.get(collection)?.get(key);
  }

  async set(id: string, collection: string, key: string, value: JsonValue): Promise<void> {
    this.#collection(id, collection).set(key, deepFreeze(value));
  }

  async setIfAbsent(id: string, collection: string, key: string, value: JsonValue): Promise<boolean> {
    const entries = this.#collection(id, collection);
    if (entries.has(key)) return false;
    entries.set(key, deepFreeze(value));
    return true;
  }

  async compareAndSet(
    id: string,
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
  ): Promise<boolean> {
    const entries = this.#collection(id, collection);
    if (!sameJson(entries.get(key), expected)) return false;
    if (next === undefined) entries.delete(key);
    else entries.set(key, deepFreeze(next));
    return true;
  }

  async delete(id: string, collection: string, key: string): Promise<boolean> {
    return this.#live(id)?.collections.get(collection)?.delete(key) ?? false;
  }

  async list(id: string, collection: string): Promise<Array<[string, JsonValue]>> {
    const entries = this.#live(id)?.collections.get(collection);
    return entries === undefined ? [] : [...entries];
  }

  async putRecordIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<boolean> {
    // No await between the check and the write: concurrent callers cannot both win.
    if (this.#record(namespace, key) !== undefined) return false;
    this.#putRecord(namespace, key, value, ttlMs);
    return true;
  }

  async setRecord(namespace: string, key: string, value: JsonValue, ttlMs: number): Promise<void> {
    this.#putRecord(namespace, key, value, ttlMs);
  }

  async getRecord(namespace: string, key: string): Promise<JsonValue | undefined> {
    return this.#record(namespace, key);
  }

  async deleteRecord(namespace: string, key: string): Promise<boolean> {
    const live = this.#record(namespace, key) !== undefined;
    return this.#records.delete(`${namespace}\u0000${key}`) && live;
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#records.clear();
  }

  #record(namespace: string, key: string): JsonValue | undefined {
    const name = `${namespace}\u0000${key}`;
    const record = this.#records.get(name);
    if (record === undefined) return undefined;
    if (record.expiresAt <= this.#now()) {
      this.#records.delete(name);
      return undefined;
    }
    return record.value;
  }

  #putRecord(namespace: string, key: string, value: JsonValue, ttlMs: number): void {
    this.#sweep(false);
    this.#records.set(`${namespace}\u0000${key}`, { value: deepFreeze(value), expiresAt: this.#now() + ttlMs });
  }

  #live(id: string): Entry | undefined {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return entry;
  }

  #collection(id: string, collection: string): Map<string, JsonValue> {
    const entry = this.#live(id);
    if (entry === undefined) throw new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
    let entries = entry.collections.get(collection);
    if (entries === undefined) {
      entries = new Map();
      entry.collections.set(collection, entries);
    }
    return entries;
  }

  /** Removes expired sessions, at most once a second unless forced. */
  #sweep(force: boolean): void {
    const now = this.#now();
    if (!force && now < this.#nextSweep) return;
    this.#nextSweep = now + 1000;
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id);
    for (const [name, record] of this.#records) if (record.expiresAt <= now) this.#records.delete(name);
  }
}
