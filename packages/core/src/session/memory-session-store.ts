import { RestBatchError } from '../errors/restbatch-error.js';
import { sameJson } from './canonical-json.js';
import { deepFreeze } from './deep-freeze.js';
import { checkEntryKey } from './entry-key.js';
import { MemoryRecords } from './memory-records.js';
import { mergeData } from './merge-data.js';
import { newSessionId } from './session-id.js';
import { checkByteBudget, DEFAULT_MAX_SESSION_BYTES, dataSize, freezeMemberSize, memberSize, sessionFullError } from './session-size.js';
import type { CreateSessionOptions, DataPatch, JsonValue, PatchedData, RecordLimits, SessionStore, WriteOptions } from './session-store.js';

interface Entry {
  data: Record<string, JsonValue>;
  ttlMs: number;
  expiresAt: number;
  collections: Map<string, Map<string, JsonValue>>;
  owner: string | undefined;
  /** The session's size: its data's and its entries' (see `memberSize`). */
  size: number;
}

/** Default of `maxBytes`: what all sessions of a memory store may hold together (256 MiB). */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept at once; creating one more fails with `SESSION_LIMIT` (default 100000). */
  maxSessions?: number;
  /**
   * Most one session may hold: the JSON characters of its data and of its collections' keys and
   * values (default 1 MiB). A write past it is not made and fails with 507 `SESSION_FULL`.
   */
  maxSessionBytes?: number;
  /**
   * Most all sessions may hold together, counted as `maxSessionBytes` is (default 256 MiB). A write
   * past it is not made and fails with 503 `SESSION_LIMIT` and `Retry-After`.
   */
  maxBytes?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The default {@link SessionStore}: sessions in this process's memory, with sliding expiry.
 * Sessions are kept in order of last use (a load moves one to the end), so with one lifetime
 * they also expire in that order: expiry and the limits look only at the oldest end, O(1)
 * amortised, and the store owns no timer. Each owner's sessions are kept in the same order, so
 * the least-recently-used one is at hand when the owner is at its quota. Values are frozen on
 * write: readers share them safely. Reads, writes and deletes of entries of a session that is gone
 * (destroyed, expired, never made) reject with `SESSION_NOT_FOUND`, as an ordinary call in it does.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Entry>();
  readonly #owners = new Map<string, Set<string>>();
  readonly #records = new MemoryRecords();
  readonly #maxSessions: number;
  readonly #maxSessionBytes: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  /** What the kept sessions hold together (expired ones until they are dropped). */
  #bytes = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxSessions = options.maxSessions ?? 100_000;
    this.#maxSessionBytes = checkByteBudget('maxSessionBytes', options.maxSessionBytes ?? DEFAULT_MAX_SESSION_BYTES);
    this.#maxBytes = checkByteBudget('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
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

  /** What the live sessions hold together, counted as `maxBytes` is. */
  get bytes(): number {
    this.#prune(this.#now());
    return this.#bytes;
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
    const size = dataSize(deepFreeze(data));
    this.#charge(undefined, size, false);
    const id = newSessionId();
    this.#sessions.set(id, {
      data,
      ttlMs: options.ttlMs,
      expiresAt: now + options.ttlMs,
      collections: new Map(),
      owner: options.owner,
      size,
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

  async save(id: string, data: Record<string, JsonValue>, options?: WriteOptions): Promise<boolean> {
    const entry = this.#live(id);
    if (entry === undefined) return false;
    this.#charge(entry, dataSize(deepFreeze(data)) - dataSize(entry.data), options?.undo === true);
    entry.data = data;
    return true;
  }

  async patchData(id: string, patch: DataPatch, options?: WriteOptions): Promise<PatchedData | undefined> {
    // No await between the read and the write: a concurrent patch cannot slip in between.
    const entry = this.#live(id);
    if (entry === undefined) return undefined;
    const previous = entry.data;
    // Only the fields the patch touches are measured.
    let grows = 0;
    for (const key of Object.keys(patch)) {
      const value = patch[key];
      if (Object.hasOwn(previous, key)) grows -= memberSize(key, previous[key]);
      if (value !== undefined) grows += freezeMemberSize(key, value);
    }
    this.#charge(entry, grows, options?.undo === true);
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
    return this.#entry(id).collections.get(collection)?.get(key);
  }

  async set(id: string, collection: string, key: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    checkEntryKey(collection, key);
    const entry = this.#entry(id);
    this.#put(entry, this.#collection(entry, collection), key, value, options?.undo === true);
  }

  async setIfAbsent(id: string, collection: string, key: string, value: JsonValue): Promise<boolean> {
    checkEntryKey(collection, key);
    const entry = this.#entry(id);
    const entries = this.#collection(entry, collection);
    if (entries.has(key)) return false;
    this.#put(entry, entries, key, value, false);
    return true;
  }

  async compareAndSet(
    id: string,
    collection: string,
    key: string,
    expected: JsonValue | undefined,
    next: JsonValue | undefined,
    options?: WriteOptions,
  ): Promise<boolean> {
    checkEntryKey(collection, key);
    const entry = this.#entry(id);
    const entries = this.#collection(entry, collection);
    if (!sameJson(entries.get(key), expected)) return false;
    this.#put(entry, entries, key, next, options?.undo === true);
    return true;
  }

  async delete(id: string, collection: string, key: string): Promise<boolean> {
    const entry = this.#entry(id);
    const entries = entry.collections.get(collection);
    if (entries === undefined || !entries.has(key)) return false;
    this.#put(entry, entries, key, undefined, true);
    return true;
  }

  async list(id: string, collection: string): Promise<Array<[string, JsonValue]>> {
    const entries = this.#entry(id).collections.get(collection);
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
    this.#bytes = 0;
  }

  /**
   * Writes (`undefined`: deletes) one entry, counting its size; refused past a byte cap unless
   * `undo`. The old value is measured again rather than its size kept: it is frozen, so its size
   * has not changed, and a kept size would cost every idle session a map per collection.
   */
  #put(entry: Entry, entries: Map<string, JsonValue>, key: string, value: JsonValue | undefined, undo: boolean): void {
    const old = entries.get(key);
    const before = old === undefined ? 0 : memberSize(key, old);
    if (value === undefined) {
      entries.delete(key);
      this.#charge(entry, -before, true);
      return;
    }
    this.#charge(entry, freezeMemberSize(key, value) - before, undo);
    entries.set(key, value);
  }

  /**
   * Counts `grows` more in `entry` (a new session when undefined) and in the total; throws, with
   * nothing counted, when that takes the session past `maxSessionBytes` (507 `SESSION_FULL`) or
   * all sessions past `maxBytes` (503 `SESSION_LIMIT`). A write that does not grow, and an undo, pass.
   */
  #charge(entry: Entry | undefined, grows: number, undo: boolean): void {
    if (grows > 0 && !undo) {
      const size = (entry?.size ?? 0) + grows;
      if (size > this.#maxSessionBytes) throw sessionFullError(this.#maxSessionBytes, size);
      if (this.#bytes + grows > this.#maxBytes) {
        // Expired sessions still count until dropped: drop them (from the oldest end) before
        // refusing, never `entry` itself (live when the write began).
        const now = this.#now();
        this.#prune(entry === undefined ? now : Math.min(now, entry.expiresAt - 1));
        if (this.#bytes + grows > this.#maxBytes) throw storeFull(this.#maxBytes);
      }
    }
    if (entry !== undefined) entry.size += grows;
    this.#bytes += grows;
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
    this.#bytes -= entry.size;
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

  #entry(id: string): Entry {
    const entry = this.#live(id);
    if (entry === undefined) throw new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
    return entry;
  }

  #collection(entry: Entry, collection: string): Map<string, JsonValue> {
    let entries = entry.collections.get(collection);
    if (entries === undefined) {
      entries = new Map();
      entry.collections.set(collection, entries);
    }
    return entries;
  }
}

function storeFull(limit: number): RestBatchError {
  return new RestBatchError('SESSION_LIMIT', `The session store holds as much as it may (maxBytes ${limit}); try again later`, {
    details: { limit },
    headers: { 'retry-after': '60' },
  });
}

function recordName(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}
