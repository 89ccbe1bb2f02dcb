import { RestBatchError } from '../errors/restbatch-error.js';
import { sameJson } from './canonical-json.js';
import { deepFreeze } from './deep-freeze.js';
import { checkEntryKey } from './entry-key.js';
import { heapSize, stringSize } from './heap-size.js';
import { MemoryRecords } from './memory-records.js';
import { mergeData } from './merge-data.js';
import { newSessionId } from './session-id.js';
import { checkByteBudget, DEFAULT_MAX_SESSION_BYTES, dataSize, freezeMemberSize, memberSize, sessionFullError } from './session-size.js';
import type { CreateSessionOptions, DataPatch, JsonValue, PatchedData, RecordLimits, SessionStore, WriteOptions } from './session-store.js';

interface Entry {
  readonly id: string;
  data: Record<string, JsonValue>;
  ttlMs: number;
  expiresAt: number;
  collections: Map<string, Map<string, Kept>>;
  /** The sessions of the session's owner (undefined: it has none). */
  mine: OwnerSessions | undefined;
  /** The session's size: its data's and its entries' (see `memberSize`). */
  size: number;
  /** The heap the session takes, as `maxBytes` counts it (see `memberHeap`). */
  heap: number;
}

/**
 * A collection's entry: its value (frozen) and what it counts for, kept beside it so that an
 * overwrite or a delete does not walk the old value again.
 */
interface Kept {
  readonly value: JsonValue;
  /** Its {@link memberSize}. */
  readonly size: number;
  /** Its {@link memberHeap}. */
  readonly heap: number;
}

/** One owner's live sessions, least recently used first, and the heap they take. */
interface OwnerSessions {
  readonly owner: string;
  readonly ids: Set<string>;
  bytes: number;
}

/** Default of `maxBytes`: the memory all sessions of a memory store may take together (256 MiB). */
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Default of `maxBytesPerOwner`: the memory one caller's sessions may take (100 MiB). */
const DEFAULT_MAX_BYTES_PER_OWNER = 100 * 1024 * 1024;
/** What a session takes before it holds anything: its entry, id, data object, map of collections and places in two maps. */
const SESSION_OVERHEAD = 640;
/** What a collection takes before it holds anything: its map and its place among the session's. */
const COLLECTION_OVERHEAD = 256;
/** What a member takes besides its key and value: its place in a map (or object) that may be half empty, and an entry's {@link Kept}. */
const MEMBER_OVERHEAD = 112;

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
   * Most memory all sessions may take together, in bytes of heap (default 256 MiB): each value
   * counts an estimate of what V8 takes to hold it (see `heapSize`), not its JSON text, which can
   * be 21 times smaller (an array of `{}`). A write past it is not made and fails with 503
   * `SESSION_LIMIT` and `Retry-After`.
   */
  maxBytes?: number;
  /**
   * Most memory the sessions of one owner (a caller, see {@link SessionOwner}) may take together,
   * counted as `maxBytes` is (default 100 MiB). A write past it first ends that owner's
   * least-recently-used other sessions until it fits (as creating one past `maxPerOwner` does); a
   * write one session alone takes past it fails with 507 `SESSION_FULL`. Keep it below `maxBytes`:
   * one caller then never fills the store.
   */
  maxBytesPerOwner?: number;
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
  readonly #owners = new Map<string, OwnerSessions>();
  readonly #records = new MemoryRecords();
  readonly #maxSessions: number;
  readonly #maxSessionBytes: number;
  readonly #maxBytes: number;
  readonly #maxBytesPerOwner: number;
  readonly #now: () => number;
  /** The heap the kept sessions take together (expired ones until they are dropped). */
  #bytes = 0;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxSessions = options.maxSessions ?? 100_000;
    this.#maxSessionBytes = checkByteBudget('maxSessionBytes', options.maxSessionBytes ?? DEFAULT_MAX_SESSION_BYTES);
    this.#maxBytes = checkByteBudget('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.#maxBytesPerOwner = checkByteBudget('maxBytesPerOwner', options.maxBytesPerOwner ?? DEFAULT_MAX_BYTES_PER_OWNER);
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
    return this.#owners.get(owner)?.ids.size ?? 0;
  }

  /** The heap the live sessions take together, counted as `maxBytes` is. */
  get bytes(): number {
    this.#prune(this.#now());
    return this.#bytes;
  }

  /** The heap the live sessions of one owner take, counted as `maxBytesPerOwner` is. */
  bytesOf(owner: string): number {
    this.#prune(this.#now());
    return this.#owners.get(owner)?.bytes ?? 0;
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
    const heap = SESSION_OVERHEAD + dataHeap(data);
    const owner = options.owner;
    let mine = owner === undefined ? undefined : this.#owners.get(owner);
    if (owner !== undefined && mine === undefined) {
      mine = { owner, ids: new Set(), bytes: 0 };
      this.#owners.set(owner, mine);
    }
    try {
      this.#charge(undefined, size, heap, false, mine);
    } catch (error) {
      if (mine?.ids.size === 0) this.#owners.delete(mine.owner);
      throw error;
    }
    const id = newSessionId();
    this.#sessions.set(id, { id, data, ttlMs: options.ttlMs, expiresAt: now + options.ttlMs, collections: new Map(), mine, size, heap });
    if (mine !== undefined) {
      mine.ids.add(id);
      // Set again: making room may have ended the owner's other sessions, and with them its record.
      this.#owners.set(mine.owner, mine);
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
    const mine = entry.mine?.ids;
    mine?.delete(id);
    mine?.add(id);
    return entry.data;
  }

  async save(id: string, data: Record<string, JsonValue>, options?: WriteOptions): Promise<boolean> {
    const entry = this.#live(id);
    if (entry === undefined) return false;
    const grows = dataSize(deepFreeze(data)) - dataSize(entry.data);
    this.#charge(entry, grows, dataHeap(data) - dataHeap(entry.data), options?.undo === true);
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
    let heap = 0;
    for (const key of Object.keys(patch)) {
      const value = patch[key];
      if (Object.hasOwn(previous, key)) {
        grows -= memberSize(key, previous[key]);
        heap -= memberHeap(key, previous[key]);
      }
      if (value !== undefined) {
        grows += freezeMemberSize(key, value);
        heap += memberHeap(key, value);
      }
    }
    this.#charge(entry, grows, heap, options?.undo === true);
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
    return this.#entry(id).collections.get(collection)?.get(key)?.value;
  }

  async set(id: string, collection: string, key: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    checkEntryKey(collection, key);
    this.#put(this.#entry(id), collection, key, value, options?.undo === true);
  }

  async setIfAbsent(id: string, collection: string, key: string, value: JsonValue): Promise<boolean> {
    checkEntryKey(collection, key);
    const entry = this.#entry(id);
    if (entry.collections.get(collection)?.has(key) === true) return false;
    this.#put(entry, collection, key, value, false);
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
    if (!sameJson(entry.collections.get(collection)?.get(key)?.value, expected)) return false;
    this.#put(entry, collection, key, next, options?.undo === true);
    return true;
  }

  async delete(id: string, collection: string, key: string): Promise<boolean> {
    const entry = this.#entry(id);
    if (entry.collections.get(collection)?.has(key) !== true) return false;
    this.#put(entry, collection, key, undefined, true);
    return true;
  }

  async list(id: string, collection: string): Promise<Array<[string, JsonValue]>> {
    const entries = this.#entry(id).collections.get(collection);
    if (entries === undefined) return [];
    const out = new Array<[string, JsonValue]>(entries.size);
    let i = 0;
    for (const [key, kept] of entries) out[i++] = [key, kept.value];
    return out;
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
   * `undo`. A collection is made by its first entry and counted from then on (an emptied one keeps
   * its map).
   */
  #put(entry: Entry, collection: string, key: string, value: JsonValue | undefined, undo: boolean): void {
    let entries = entry.collections.get(collection);
    const old = entries?.get(key);
    if (value === undefined) {
      if (entries === undefined || old === undefined) return;
      entries.delete(key);
      this.#charge(entry, -old.size, -old.heap, true);
      return;
    }
    const size = freezeMemberSize(key, value);
    const heap = memberHeap(key, value);
    const made = entries === undefined ? collectionHeap(collection) : 0;
    this.#charge(entry, size - (old?.size ?? 0), heap - (old?.heap ?? 0) + made, undo);
    if (entries === undefined) {
      entries = new Map();
      entry.collections.set(collection, entries);
    }
    entries.set(key, { value, size, heap });
  }

  /**
   * Counts `grows` more JSON characters and `heap` more bytes of heap in `entry` (a new session of
   * `owner` when undefined), its owner and the total; throws, with nothing counted, when that takes
   * the session past `maxSessionBytes` (507 `SESSION_FULL`) or all sessions past `maxBytes` (503
   * `SESSION_LIMIT`). Past `maxBytesPerOwner`, the owner's least-recently-used other sessions end
   * first; 507 `SESSION_FULL` when the session alone is past it. A write that does not grow, and an undo, pass.
   */
  #charge(entry: Entry | undefined, grows: number, heap: number, undo: boolean, owner: OwnerSessions | undefined = entry?.mine): void {
    if (grows > 0 && !undo) {
      const size = (entry?.size ?? 0) + grows;
      if (size > this.#maxSessionBytes) throw sessionFullError(this.#maxSessionBytes, size);
    }
    if (heap > 0 && !undo) {
      if (owner !== undefined && owner.bytes + heap > this.#maxBytesPerOwner) this.#makeRoomFor(owner, entry, heap);
      if (this.#bytes + heap > this.#maxBytes) {
        // Expired sessions still count until dropped: drop them (from the oldest end) before
        // refusing, never `entry` itself (live when the write began).
        const now = this.#now();
        this.#prune(entry === undefined ? now : Math.min(now, entry.expiresAt - 1));
        if (this.#bytes + heap > this.#maxBytes) throw storeFull(this.#maxBytes);
      }
    }
    if (entry !== undefined) {
      entry.size += grows;
      entry.heap += heap;
    }
    this.#bytes += heap;
    if (owner !== undefined) owner.bytes += heap;
  }

  /**
   * Ends the owner's least-recently-used sessions other than `entry` until its sessions have room
   * for `heap` more bytes under `maxBytesPerOwner`; throws 507 `SESSION_FULL` when `entry` alone
   * (with `heap` more) is past it.
   */
  #makeRoomFor(owner: OwnerSessions, entry: Entry | undefined, heap: number): void {
    const max = this.#maxBytesPerOwner;
    const alone = (entry?.heap ?? 0) + heap;
    if (alone > max) throw ownerFull(max, alone);
    for (const id of owner.ids) {
      if (owner.bytes + heap <= max) return;
      if (id === entry?.id) continue;
      const other = this.#sessions.get(id);
      if (other === undefined) owner.ids.delete(id);
      else this.#remove(id, other);
    }
  }

  /** Ends the owner's least-recently-used sessions until it has room for one more. */
  #makeRoom(owner: string, maxPerOwner: number): void {
    const mine = this.#owners.get(owner)?.ids;
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
    this.#bytes -= entry.heap;
    const mine = entry.mine;
    if (mine === undefined) return;
    mine.bytes -= entry.heap;
    mine.ids.delete(id);
    if (mine.ids.size === 0) this.#owners.delete(mine.owner);
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
}

/** The heap a collection's map takes, with its name. */
function collectionHeap(name: string): number {
  return COLLECTION_OVERHEAD + stringSize(name);
}

/** The heap a session's member takes: its key, its value (see `heapSize`) and its place. */
function memberHeap(key: string, value: JsonValue | undefined): number {
  return MEMBER_OVERHEAD + stringSize(key) + heapSize(value);
}

/** The heap of a session's data: the sum of its fields' {@link memberHeap}. */
function dataHeap(data: Readonly<Record<string, JsonValue>>): number {
  let heap = 0;
  for (const key of Object.keys(data)) heap += memberHeap(key, data[key]);
  return heap;
}

function ownerFull(limit: number, size: number): RestBatchError {
  return new RestBatchError(
    'SESSION_FULL',
    `The session is full: this write would make it take ${size} bytes of memory, over the ${limit} one caller's sessions may take (maxBytesPerOwner); delete something first`,
    { details: { limit, size } },
  );
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
