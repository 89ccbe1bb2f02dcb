import { RestBatchError } from '../errors/restbatch-error.js';
import { sameJson } from './canonical-json.js';
import { deepFreeze } from './deep-freeze.js';
import { MemoryRecords } from './memory-records.js';
import { mergeData } from './merge-data.js';
import { newSessionId } from './session-id.js';
import type { CreateSessionOptions, DataPatch, JsonValue, PatchedData, RecordLimits, SessionStore } from './session-store.js';

interface Entry {
  data: Record<string, JsonValue>;
  ttlMs: number;
  expiresAt: number;
  collections: Map<string, Map<string, JsonValue>>;
  owner: string | undefined;
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
 * Sessions are kept in order of last use (a load moves one to the end), so with one lifetime
 * they also expire in that order: expiry and the limits look only at the oldest end, O(1)
 * amortised, and the store owns no timer. Each owner's sessions are kept in the same order, so
 * the least-recently-used one is at hand when the owner is at its quota. Values are frozen on
 * write: readers share them safely.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #owners = new Map<string, Set<string>>();
  readonly #records = new MemoryRecords();
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxSessions = options.maxSessions ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many live sessions the store holds (a full sweep of expired ones first: for tests and metrics). */
  get size(): number {
    const now = this.#now();
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#remove(id, entry);
    return this.#sessions.size;
  }

  /** Live sessions of one owner (see {@link SessionOwner}). */
  sessionsOf(owner: string): number {
    this.#prune(this.#now());
    return this.#owners.get(owner)?.size ?? 0;
  }

  /** Live engine-level records and their bytes. */
  get records(): { count: number; bytes: number } {
    this.#records.prune(this.#now());
    return { count: this.#records.count, bytes: this.#records.bytes };
  }

  async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    const now = this.#now();
    this.#prune(now);
    if (options.owner !== undefined) this.#makeRoom(options.owner, options.maxPerOwner ?? this.#maxSessions);
    if (this.#sessions.size >= this.#maxSessions) {
      throw new RestBatchError('SESSION_LIMIT', 'Too many open sessions; try again later');
    }
    const id = newSessionId();
    this.#sessions.set(id, {
      data: deepFreeze(data),
      ttlMs: options.ttlMs,
      expiresAt: now + options.ttlMs,
      collections: new Map(),
      owner: options.owner,
    });
    if (options.owner !== undefined) {
      let mine = this.#owners.get(options.owner);
      if (mine === undefined) {
        mine = new Set();
        this.#owners.set(options.owner, mine);
      }
      mine.add(id);
    }
    return id;
  }

  async load(id: string, ttlMs: number): Promise<Record<string, JsonValue> | undefined> {
    const entry = this.#live(id);
    if (entry === undefined) return undefined;
    entry.ttlMs = ttlMs;
    entry.expiresAt = this.#now() + ttlMs;
    // Move to the newest end: the maps stay in order of last use.
    this.#sessions.delete(id);
    this.#sessions.set(id, entry);
    if (entry.owner !== undefined) {
      const mine = this.#owners.get(entry.owner);
      mine?.delete(id);
      mine?.add(id);
    }
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
    const entry = this.#live(id);
    if (entry === undefined) return false;
    this.#remove(id, entry);
    return true;
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

  async putRecordIfAbsent(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean> {
    // No await between the check and the write: concurrent callers cannot both win.
    return this.#records.put(recordName(namespace, key), value, ttlMs, this.#now(), true, limits);
  }

  async setRecord(namespace: string, key: string, value: JsonValue, ttlMs: number, limits?: RecordLimits): Promise<boolean> {
    return this.#records.put(recordName(namespace, key), value, ttlMs, this.#now(), false, limits);
  }

  async getRecord(namespace: string, key: string): Promise<JsonValue | undefined> {
    return this.#records.get(recordName(namespace, key), this.#now());
  }

  async deleteRecord(namespace: string, key: string): Promise<boolean> {
    return this.#records.delete(recordName(namespace, key), this.#now());
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#owners.clear();
    this.#records.clear();
  }

  /** Ends the owner's least-recently-used sessions until it has room for one more. */
  #makeRoom(owner: string, maxPerOwner: number): void {
    const mine = this.#owners.get(owner);
    if (mine === undefined) return;
    // One owner never reaches the global limit: others can always open a session.
    const quota = Math.max(1, Math.min(maxPerOwner, this.#maxSessions - 1));
    while (mine.size >= quota) {
      const oldest = mine.values().next().value as string;
      const entry = this.#sessions.get(oldest);
      if (entry === undefined) mine.delete(oldest);
      else this.#remove(oldest, entry);
    }
  }

  /** Drops expired sessions from the oldest end (least recently used first). */
  #prune(now: number): void {
    for (const [id, entry] of this.#sessions) {
      if (entry.expiresAt > now) break;
      this.#remove(id, entry);
    }
  }

  #remove(id: string, entry: Entry): void {
    this.#sessions.delete(id);
    if (entry.owner === undefined) return;
    const mine = this.#owners.get(entry.owner);
    mine?.delete(id);
    if (mine?.size === 0) this.#owners.delete(entry.owner);
  }

  #live(id: string): Entry | undefined {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(id, entry);
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
}

function recordName(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}
