import { RestBatchError } from '../errors/restbatch-error.js';
import { stringSize } from './heap-size.js';
import type { JsonValue, RecordLimits } from './session-store.js';
import { utf8Length } from '../json/utf8-length.js';

/** What a record costs besides its text: its entry, its name (a namespace and a 64-digit key) and its places in three maps. */
const RECORD_OVERHEAD = 320;

interface RecordEntry {
  readonly name: string;
  /**
   * The record as JSON text, parsed again on each read: kept parsed, an answer of arrays of `""`
   * would take 2.7 times its text, and one of `{}` 21 times (see `heapSize`); a string takes its
   * length (one byte per character, or two), which its UTF-8 bytes bound up to the header.
   */
  readonly text: string;
  expiresAt: number;
  bytes: number;
  owner: string | undefined;
  /** The queue of records written with the same lifetime, in write order (so in expiry order). */
  queue: Map<string, RecordEntry>;
}

/**
 * The engine-level records of {@link MemorySessionStore}, with counts and bytes per owner and in
 * total. A record is kept as its JSON text (what a read parses), and counts that text's UTF-8
 * bytes or the memory it takes (two bytes a character once one is above U+00FF), whichever is
 * more, and {@link RECORD_OVERHEAD}: the bytes a budget allows are the bytes the records take.
 * Records written with one lifetime expire in the order they were written, so each lifetime has
 * its own queue and expiry only ever looks at the oldest end of each: O(1) amortised, never a
 * sweep of all records.
 */
export class MemoryRecords {
  readonly #all = new Map<string, RecordEntry>();
  readonly #queues = new Map<number, Map<string, RecordEntry>>();
  readonly #owners = new Map<string, Map<string, RecordEntry>>();
  #bytes = 0;

  /** Live records now kept. */
  get count(): number {
    return this.#all.size;
  }

  /** Bytes of the live records now kept (see {@link recordBytes}). */
  get bytes(): number {
    return this.#bytes;
  }

  get(name: string, now: number): JsonValue | undefined {
    const entry = this.#all.get(name);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#remove(entry);
      return undefined;
    }
    return JSON.parse(entry.text) as JsonValue;
  }

  /**
   * Writes a record (with `onlyIfAbsent`, only when no live one is there; false then). Under
   * `limits`: a new record of an owner at its quota first drops that owner's oldest record; a new
   * record over the total count fails with `RECORD_LIMIT`; a write over the total bytes is not
   * made and returns false (or fails with `RECORD_LIMIT` for `onlyIfAbsent`).
   */
  put(name: string, value: JsonValue, ttlMs: number, now: number, onlyIfAbsent: boolean, limits?: RecordLimits): boolean {
    this.prune(now);
    const existing = this.#all.get(name);
    if (existing !== undefined && onlyIfAbsent) return false;
    const text = JSON.stringify(value);
    const bytes = recordBytes(text);
    if (limits !== undefined) {
      if (this.#bytes - (existing?.bytes ?? 0) + bytes > limits.maxBytes) {
        if (onlyIfAbsent) throw full('bytes');
        return false;
      }
      if (existing === undefined) {
        const mine = this.#owners.get(limits.owner);
        while (mine !== undefined && mine.size >= Math.max(1, limits.maxPerOwner)) {
          this.#remove(mine.values().next().value as RecordEntry);
        }
        if (this.#all.size >= limits.maxRecords) throw full('records');
      }
    }
    if (existing !== undefined) this.#remove(existing);
    const queue = this.#queue(ttlMs);
    const owner = limits?.owner ?? existing?.owner;
    const entry: RecordEntry = { name, text, expiresAt: now + ttlMs, bytes, owner, queue };
    this.#all.set(name, entry);
    queue.set(name, entry);
    this.#bytes += bytes;
    if (owner !== undefined) {
      let mine = this.#owners.get(owner);
      if (mine === undefined) {
        mine = new Map();
        this.#owners.set(owner, mine);
      }
      mine.set(name, entry);
    }
    return true;
  }

  /** Deletes a record; true when a live one existed. */
  delete(name: string, now: number): boolean {
    const entry = this.#all.get(name);
    if (entry === undefined) return false;
    this.#remove(entry);
    return entry.expiresAt > now;
  }

  /** Drops expired records from the oldest end of each lifetime's queue. */
  prune(now: number): void {
    for (const queue of this.#queues.values()) {
      for (const entry of queue.values()) {
        if (entry.expiresAt > now) break;
        this.#remove(entry);
      }
    }
  }

  clear(): void {
    this.#all.clear();
    this.#queues.clear();
    this.#owners.clear();
    this.#bytes = 0;
  }

  #queue(ttlMs: number): Map<string, RecordEntry> {
    let queue = this.#queues.get(ttlMs);
    if (queue === undefined) {
      queue = new Map();
      this.#queues.set(ttlMs, queue);
    }
    return queue;
  }

  #remove(entry: RecordEntry): void {
    this.#all.delete(entry.name);
    entry.queue.delete(entry.name);
    this.#bytes -= entry.bytes;
    if (entry.owner === undefined) return;
    const mine = this.#owners.get(entry.owner);
    mine?.delete(entry.name);
    if (mine?.size === 0) this.#owners.delete(entry.owner);
  }
}

/** What a record of JSON text `text` counts for: its UTF-8 bytes or its memory, whichever is more, and its bookkeeping. */
function recordBytes(text: string): number {
  return Math.max(utf8Length(text), stringSize(text)) + RECORD_OVERHEAD;
}

function full(what: 'records' | 'bytes'): RestBatchError {
  return new RestBatchError('RECORD_LIMIT', `The server keeps as many idempotency ${what} as it may; retry later`, {
    headers: { 'retry-after': '60' },
  });
}
