import { jsonCopy } from '../executor/snapshot.js';
import { ownKeysOnly } from '../json/own-keys-only.js';
import { PlainObject } from '../json/plain-object.js';

/**
 * Where validating may write into a payload: `false` nowhere (the value is shared as it is), `true`
 * anywhere (copied whole), or an object whose members (`properties`) or items (`items`) have
 * their own plan; the object or array itself is copied, its other members shared.
 */
type CopyPlan = boolean | { readonly properties: ReadonlyMap<string, CopyPlan>; readonly items: CopyPlan };

/** Keywords whose subschemas the plan follows; any other subschema that names a default is copied whole. */
const FOLLOWED = new Set(['properties', 'items']);
/** Keywords whose value is data, not a schema (a `default` of `{ "default": 1 }` writes nothing more). */
const DATA = new Set(['default', 'const', 'enum', 'examples']);
/** Keywords that hold subschemas applied only through a `$ref` (checked there). */
const DEFINITIONS = new Set(['$defs', 'definitions']);
/** Keywords that apply another schema, which may write defaults wherever the root names one. */
const REFERENCES = new Set(['$ref', '$dynamicRef', '$recursiveRef']);

/**
 * The copy a route makes of a payload that shares values with earlier results (a whole-value
 * reference places a frozen snapshot) before ajv's `useDefaults` writes into it: only the objects
 * and arrays on the way to a place the schema names a `default` for are copied; the rest is shared.
 * `POST Parameters` with a 10,000-item `Values` placed by reference (its schema's default is
 * `IsHidden`, at the top) copies the top object, not the list. Undefined when the schema names no
 * default (nothing is written). Any keyword the plan does not follow (`allOf`, `$ref`,
 * `additionalProperties`, a tuple `items`...) whose schema names a default makes its value copied whole.
 */
export function defaultsCopier(schema: unknown): ((payload: unknown) => unknown) | undefined {
  if (!hasDefaults(schema)) return undefined;
  const plan = planOf(schema, true);
  return (payload) => copyFor(payload, plan);
}

/** Whether a schema names a `default` anywhere (ajv's `useDefaults` then writes into the payload). */
export function hasDefaults(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some(hasDefaults);
  for (const [key, value] of Object.entries(schema)) if (key === 'default' || hasDefaults(value)) return true;
  return false;
}

/** The plan of a subschema of a schema that names a default (`rootDefaults`: the root does). */
function planOf(schema: unknown, rootDefaults: boolean): CopyPlan {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return false;
  let properties: Map<string, CopyPlan> | undefined;
  let items: CopyPlan = false;
  for (const [key, value] of Object.entries(schema)) {
    if (DATA.has(key) || DEFINITIONS.has(key)) continue;
    if (REFERENCES.has(key)) {
      if (rootDefaults) return true;
      continue;
    }
    if (!FOLLOWED.has(key)) {
      if (hasDefaults(value)) return true;
      continue;
    }
    if (key === 'items') {
      // A tuple (`items: [...]`) writes defaults into missing items: copied whole.
      if (Array.isArray(value)) {
        if (hasDefaults(value)) return true;
        continue;
      }
      items = planOf(value, rootDefaults);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const [name, sub] of Object.entries(value as Record<string, unknown>)) {
      const own = sub !== null && typeof sub === 'object' && Object.hasOwn(sub, 'default');
      const plan = planOf(sub, rootDefaults);
      // A member with a default of its own is written into this object, which is then copied.
      if (!own && plan === false) continue;
      properties ??= new Map();
      properties.set(name, plan);
    }
  }
  if (properties === undefined && items === false) return false;
  return { properties: properties ?? new Map(), items };
}

/** `value` copied where `plan` says validating may write, shared elsewhere. */
function copyFor(value: unknown, plan: CopyPlan): unknown {
  if (plan === false || value === null || typeof value !== 'object') return value;
  if (plan === true) return jsonCopy(value);
  if (Array.isArray(value)) {
    const items = plan.items;
    // Nothing is written into an array but through its items (a tuple's are copied whole).
    if (items === false) return value;
    if (Object.getPrototypeOf(value) !== Array.prototype) return jsonCopy(value);
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyFor(value[i], items);
    return out;
  }
  if (plan.properties.size === 0) return value;
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || !ownKeysOnly() || typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return jsonCopy(value);
  const out = new PlainObject();
  for (const key in value) {
    // An assignment to `__proto__` would set the prototype: JSON's own copy makes a member.
    if (key === '__proto__') return jsonCopy(value);
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    const memberPlan = plan.properties.get(key);
    out[key] = memberPlan === undefined ? member : copyFor(member, memberPlan);
  }
  return out;
}
