import { createHash } from 'node:crypto';
import type { JsonValue } from '@restbatch/core';
import type { RedisClient } from './lua-script.js';

// Namespaces are chosen by the engine ('idempotency'), never by a client; the shape check only
// guards against a programming mistake turning into an odd key.
const NAMESPACE_SHAPE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The Redis key of an engine-level record: `<prefix>rec:<namespace>:<sha256(key)>`. The key is
 * hashed because its text may come from a client (an `Idempotency-Key` header): hashed, it can
 * never contain a hash tag, a glob character or another record's name, and its length is fixed.
 */
export function recordKey(prefix: string, namespace: string, key: string): string {
  if (!NAMESPACE_SHAPE.test(namespace)) throw new Error(`invalid record namespace ${JSON.stringify(namespace)}`);
  return `${prefix}rec:${namespace}:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * Writes a record with a lifetime in one atomic `SET ... PX`: with `onlyIfAbsent`, `NX` makes
 * exactly one of concurrent writers win, on every node, since Redis runs commands one at a time.
 * Returns true when written.
 */
export async function writeRecord(
  client: RedisClient,
  name: string,
  value: JsonValue,
  ttlMs: number,
  onlyIfAbsent: boolean,
): Promise<boolean> {
  const json = JSON.stringify(value);
  const px = lifetime(ttlMs);
  const reply = onlyIfAbsent ? await client.set(name, json, 'PX', px, 'NX') : await client.set(name, json, 'PX', px);
  return reply === 'OK';
}

/** Reads a record; `undefined` when absent or expired (Redis drops expired keys itself). */
export async function readRecord(client: RedisClient, name: string): Promise<JsonValue | undefined> {
  const json = await client.get(name);
  return json === null ? undefined : (JSON.parse(json) as JsonValue);
}

/** Deletes a record; true when it existed. */
export async function deleteRecord(client: RedisClient, name: string): Promise<boolean> {
  return (await client.del(name)) === 1;
}

/** `PX` takes a positive whole number of ms; a shorter lifetime than 1 ms means "expire at once". */
function lifetime(ttlMs: number): number {
  if (Number.isNaN(ttlMs)) throw new RangeError('record ttlMs must be a number');
  return Math.min(Math.max(1, Math.ceil(ttlMs)), Number.MAX_SAFE_INTEGER);
}
