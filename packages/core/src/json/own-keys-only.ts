const OBJECT_PROTO = Object.prototype;

/**
 * Whether a for-in over an object made by `{}` lists only its own keys, as `Object.keys` and JSON
 * do: true unless someone gave Object.prototype an enumerable key. Hot loops over plain objects use
 * for-in (no array of keys per object) when this holds, and `Object.keys` otherwise.
 */
export function ownKeysOnly(): boolean {
  for (const _ in OBJECT_PROTO) return false;
  return true;
}
