import { RestBatchError } from '../errors/restbatch-error.js';
import { withCode } from '../errors/setup-error-codes.js';
import { jsonSize } from '../executor/snapshot.js';
import { jsonStringLength } from '../json/json-string-length.js';
import { keyLength, valueLength } from '../json/key-length.js';
import type { JsonValue } from './session-store.js';

/** Default of the stores' `maxSessionBytes`: what one session's data and entries may hold (1 MiB). */
export const DEFAULT_MAX_SESSION_BYTES = 1024 * 1024;

/**
 * What one member of a session (a data field, or a collection entry) counts for: the JSON text of
 * its key and of its value (escapes included: a control character takes 6) and 2 for the colon and
 * comma, as if the session were one JSON object. So an empty value still costs something, and many
 * tiny entries add up.
 */
export function memberSize(key: string, value: JsonValue | undefined): number {
  return jsonStringLength(key) + 2 + (typeof value === 'string' ? jsonStringLength(value) : jsonSize(value));
}

/**
 * Freezes `value` in place, as `deepFreeze` does, and returns what it counts for as a member under
 * `key` ({@link memberSize}), measured in the same walk: a value is walked once when a store keeps
 * it. Parts already frozen (shared values) are measured by `jsonSize` without freezing again.
 */
export function freezeMemberSize(key: string, value: JsonValue | undefined): number {
  return jsonStringLength(key) + 2 + freezeSize(value);
}

function freezeSize(value: unknown): number {
  if (typeof value === 'string') return jsonStringLength(value);
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return jsonSize(value);
  Object.freeze(value);
  if (Array.isArray(value)) {
    let size = value.length === 0 ? 2 : value.length + 1;
    for (let i = 0; i < value.length; i++) size += value[i] === undefined ? 4 : freezeSize(value[i]);
    return size;
  }
  let size = 2;
  let fields = 0;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    // Counted exactly as jsonSize counts it: the store measures the value again with jsonSize
    // when it is replaced or deleted, and the two must agree or the session's count drifts.
    if (member === undefined) continue;
    size += keyLength(key, fields) + 1 + (typeof member === 'string' ? valueLength(member, fields) : freezeSize(member));
    fields++;
  }
  return fields === 0 ? size : size + fields - 1;
}

/** The size of a session's data: the sum of its fields' {@link memberSize}. */
export function dataSize(data: Readonly<Record<string, JsonValue>>): number {
  let size = 0;
  for (const key of Object.keys(data)) size += memberSize(key, data[key]);
  return size;
}

/**
 * The error of a write that would take a session past its store's `maxSessionBytes`: 507
 * `SESSION_FULL`, with the cap and the size the session would have had.
 */
export function sessionFullError(limit: number, size: number): RestBatchError {
  return new RestBatchError(
    'SESSION_FULL',
    `The session is full: this write would make it ${size} bytes, over the ${limit} a session may hold (maxSessionBytes); delete something first`,
    { details: { limit, size } },
  );
}

/**
 * Checks a byte budget option of a store: a whole number of at least 1, or `Infinity` (no cap);
 * anything else (0, NaN, a fraction) would turn the cap off or refuse every write by mistake.
 */
export function checkByteBudget(name: string, value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 1)) return value;
  throw withCode(new RangeError(`${name} must be a whole number of at least 1 (or Infinity), not ${value}`), 'INVALID_OPTIONS');
}
