import { createHash } from 'node:crypto';
import { type JsonValue, type RecordLimits, RestBatchError, withCode } from '@restbatch/core';
import { BoundedMemo } from './bounded-memo.js';
import { ANY_KEYS, LuaScript } from './lua-script.js';
import type { ScriptRunner } from './script-runner.js';
import * as lua from './record-scripts.js';

const PUT_RECORD = new LuaScript(lua.PUT_RECORD, ANY_KEYS, { writes: true });
const DELETE_RECORD = new LuaScript(lua.DELETE_RECORD, 4, { writes: true });
// Sends of one write whose owner's quota keeps finding records it may not drop undeclared: each
// miss means other writes of that owner moved its oldest records meanwhile.
const MAX_PUT_ATTEMPTS = 8;

// Namespaces are chosen by the engine ('idempotency'), never by a client; the shape check only
// guards against a programming mistake turning into an odd key.
const NAMESPACE_SHAPE = /^[A-Za-z0-9_.-]{1,64}$/;
// Owners are caller keys (`id:`/`addr:`/`transport:` and base64url); checked all the same.
const OWNER_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Where the records of `namespace` live: `<prefix>rec:{<namespace>}:`, followed by the SHA-256 of
 * a record's key. The key is hashed because its text may come from a client (an
 * `Idempotency-Key` header): hashed, it can never contain a hash tag, a glob character or another
 * record's name, and its length is fixed.
 */
export class RecordKeys {
  readonly base: string;
  // The owner ('' for none) of records this store wrote lately with limits, so that a renewal or a
  // delete of one declares its owner's set (see record-scripts.ts); bounded, as it can be missed.
  readonly #owners = new BoundedMemo<string, string>(4096);

  constructor(prefix: string, namespace: string) {
    if (!NAMESPACE_SHAPE.test(namespace))
      throw withCode(new Error(`invalid record namespace ${JSON.stringify(namespace)}`), 'INVALID_ARGUMENT');
    this.base = `${prefix}rec:{${namespace}}:`;
  }

  sha(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  /** The sorted set of `owner`'s records ('' : a set no record is in). */
  ownerSet(owner: string): string {
    return `${this.base}#owner:${owner}`;
  }

  /** The owner a record of this store's was last written with, '' when not known. */
  ownerOf(sha: string): string {
    return this.#owners.get(sha) ?? '';
  }

  /** Remembers the owner a record was written with. */
  owned(sha: string, owner: string): void {
    this.#owners.set(sha, owner);
  }
}

/**
 * Writes a record with a lifetime in one atomic script (see `PUT_RECORD`): with `onlyIfAbsent`,
 * exactly one of concurrent writers wins, on every node, since Redis runs scripts one at a time.
 * Returns true when written; false when taken or, for an overwrite, over the byte budget.
 */
export async function writeRecord(
  scripts: ScriptRunner,
  keys: RecordKeys,
  key: string,
  value: JsonValue,
  ttlMs: number,
  onlyIfAbsent: boolean,
  limits: RecordLimits | undefined,
): Promise<boolean> {
  const sha = keys.sha(key);
  const owner = limits?.owner ?? '';
  if (limits !== undefined && !OWNER_SHAPE.test(owner))
    throw withCode(new Error(`invalid record owner ${JSON.stringify(owner)}`), 'INVALID_ARGUMENT');
  // An unlimited write (a renewal) keeps the record's owner: its set is declared when known.
  const set = keys.ownerSet(limits === undefined ? keys.ownerOf(sha) : owner);
  const args = [
    keys.base,
    sha,
    JSON.stringify(value),
    lifetime(ttlMs),
    onlyIfAbsent ? 1 : 0,
    limits === undefined ? 0 : 1,
    owner,
    limits?.maxPerOwner ?? 0,
    budget(limits?.maxRecords),
    budget(limits?.maxBytes),
  ];
  // The records an owner's quota drops, once a reply named them ({-3, sha...}): declared keys.
  const dropped = new Set<string>();
  let reply: unknown;
  for (let attempt = 0; ; attempt++) {
    reply = await scripts.write(PUT_RECORD, [`${keys.base}${sha}`, `${keys.base}#expiry`, `${keys.base}#meta`, set, ...dropped], args);
    if (!Array.isArray(reply)) break;
    if (attempt + 1 >= MAX_PUT_ATTEMPTS) {
      throw new RestBatchError('STORE_UNAVAILABLE', 'The idempotency records of this caller kept changing at the same time; retry later', {
        headers: { 'retry-after': '1' },
      });
    }
    for (const old of reply.slice(1) as string[]) dropped.add(`${keys.base}${old}`);
  }
  if (reply === 1 && limits !== undefined) keys.owned(sha, owner);
  if (reply === 1) return true;
  if (reply === -1 || (reply === -2 && onlyIfAbsent)) {
    throw new RestBatchError(
      'RECORD_LIMIT',
      `The server keeps as many idempotency ${reply === -1 ? 'records' : 'bytes'} as it may; retry later`,
      {
        headers: { 'retry-after': '60' },
      },
    );
  }
  return false;
}

/** Reads a record; `undefined` when absent or expired (Redis drops expired keys itself). */
export async function readRecord(scripts: ScriptRunner, keys: RecordKeys, key: string): Promise<JsonValue | undefined> {
  const json = await scripts.client.get(`${keys.base}${keys.sha(key)}`);
  return json === null ? undefined : (JSON.parse(json) as JsonValue);
}

/** Deletes a record and its bookkeeping; true when it existed. */
export async function deleteRecord(scripts: ScriptRunner, keys: RecordKeys, key: string): Promise<boolean> {
  const sha = keys.sha(key);
  const reply = await scripts.write(
    DELETE_RECORD,
    [`${keys.base}${sha}`, `${keys.base}#expiry`, `${keys.base}#meta`, keys.ownerSet(keys.ownerOf(sha))],
    [keys.base, sha],
  );
  return reply === 1;
}

/** A budget as a script argument (a number Lua reads exactly; none: no limit). */
function budget(limit: number | undefined): number {
  return limit === undefined || !Number.isFinite(limit) ? Number.MAX_SAFE_INTEGER : Math.floor(limit);
}

/** `PX` takes a positive whole number of ms; a shorter lifetime than 1 ms means "expire at once". */
function lifetime(ttlMs: number): number {
  if (Number.isNaN(ttlMs)) throw withCode(new RangeError('record ttlMs must be a number'), 'INVALID_ARGUMENT');
  return Math.min(Math.max(1, Math.ceil(ttlMs)), Number.MAX_SAFE_INTEGER);
}
