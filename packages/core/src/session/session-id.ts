import { randomHex } from './random-hex.js';

const SESSION_ID = /^[0-9a-f]{32}$/;

/** A new 128-bit random session id, as 32 lower-case hex digits. */
export function newSessionId(): string {
  return randomHex(16);
}

/** True when `value` has the shape of an id made by {@link newSessionId}; checked before any lookup. */
export function isSessionIdShape(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}
