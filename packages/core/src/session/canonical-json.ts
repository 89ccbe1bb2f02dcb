import type { JsonValue } from './session-store.js';

/**
 * A value's JSON with object keys sorted at every depth, so two values that differ only in key
 * order give the same text; `undefined` (an absent entry) gives `undefined`. Used to compare
 * values in compare-and-set, where the stored value may have been written with another key order.
 */
export function canonicalJson(value: JsonValue | undefined): string | undefined {
  return value === undefined ? undefined : JSON.stringify(sorted(value));
}

/** True when `a` and `b` are the same JSON value, whatever their key order (absent equals only absent). */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // Walked, not serialised: this runs on every compare-and-set of a batch.
  let count = 0;
  for (const key of Object.keys(a)) {
    const value = a[key];
    if (value === undefined) continue;
    count++;
    if (!Object.hasOwn(b, key) || !sameJson(value, b[key])) return false;
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) count--;
  return count === 0;
}

function sorted(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a "__proto__" key stays an ordinary member.
  const out = Object.create(null) as Record<string, JsonValue>;
  for (const key of Object.keys(value).sort()) {
    const item = value[key];
    // JSON.stringify drops undefined members; so does the comparison.
    if (item !== undefined) out[key] = sorted(item);
  }
  return out;
}
