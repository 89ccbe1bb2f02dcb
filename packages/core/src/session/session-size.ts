import { RestBatchError } from '../errors/restbatch-error.js';
import { jsonSize } from '../executor/snapshot.js';
import type { JsonValue } from './session-store.js';

/** Default of the stores' `maxSessionBytes`: what one session's data and entries may hold (1 MiB). */
export const DEFAULT_MAX_SESSION_BYTES = 1024 * 1024;

/**
 * What one member of a session (a data field, or a collection entry) counts for: its key, its
 * value's JSON size and 4 for the quotes, colon and comma around them, as if the session were one
 * JSON object. So an empty value still costs something, and many tiny entries add up.
 */
export function memberSize(key: string, value: JsonValue | undefined): number {
  return key.length + 4 + (typeof value === 'string' ? value.length + 2 : jsonSize(value));
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
  throw new RangeError(`${name} must be a whole number of at least 1 (or Infinity), not ${value}`);
}
