/** Thrown inside {@link copyPlain} when a value needs JSON.stringify's full rules. */
const UNUSUAL: unique symbol = Symbol('unusual');
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/** Deeper than this, the value is handed to JSON itself (which also reports cycles). */
const MAX_DEPTH = 512;

/**
 * A deep copy of `value` exactly as `JSON.parse(JSON.stringify(value))` would make it, several
 * times faster for plain data: the direct transport copies every answer so that no object is
 * shared with the engine. Anything beyond plain objects, arrays and primitives (a `toJSON`, a
 * class instance, a bigint, a `__proto__` key, very deep nesting) takes the JSON round trip.
 */
export function jsonCopy(value: unknown): unknown {
  try {
    return copyPlain(value, 0);
  } catch (error) {
    if (error !== UNUSUAL) throw error;
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  }
}

function copyPlain(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON writes NaN and the infinities as null, and -0 as 0.
      return Number.isFinite(value) ? value + 0 : null;
    case 'object':
      if (value === null) return null;
      if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
      return Array.isArray(value) ? copyArray(value, depth) : copyObject(value as Record<string, unknown>, depth);
    default:
      // undefined, functions, symbols and bigints at this place follow JSON's own rules.
      throw UNUSUAL;
  }
}

function copyArray(value: unknown[], depth: number): unknown[] {
  if (Object.getPrototypeOf(value) !== ARRAY_PROTO) throw UNUSUAL;
  const length = value.length;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    const item = value[i];
    out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : copyPlain(item, depth + 1);
  }
  return out;
}

function copyObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  if (proto !== OBJECT_PROTO && proto !== null) throw UNUSUAL;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    // An assignment to `__proto__` would set the prototype, where JSON.parse makes a property.
    if (key === '__proto__') throw UNUSUAL;
    out[key] = copyPlain(item, depth + 1);
  }
  return out;
}
