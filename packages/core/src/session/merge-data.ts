import type { DataPatch, JsonValue } from './session-store.js';

/** A session's data with `patch` merged in: each member replaces its field, an `undefined` member removes it. */
export function mergeData(data: Readonly<Record<string, JsonValue>>, patch: DataPatch): Record<string, JsonValue> {
  const next: Record<string, JsonValue> = { ...data };
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) delete next[key];
    // defineProperty: a "__proto__" member is data, never the object's prototype.
    else Object.defineProperty(next, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return next;
}

/** The patch that undoes `patch` applied to `previous`: every field it touched gets its old value back (or is removed). */
export function reversePatch(previous: Readonly<Record<string, JsonValue>>, patch: DataPatch): DataPatch {
  const reverse: DataPatch = Object.create(null);
  for (const key of Object.keys(patch)) reverse[key] = Object.hasOwn(previous, key) ? previous[key] : undefined;
  return reverse;
}
