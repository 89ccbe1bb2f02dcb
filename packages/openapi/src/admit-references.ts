import type { JsonSchema } from '@restbatch/core';

/**
 * A whole-value reference (`"$ref:<key>/<pointer>"`, docs/references.md): the key has no space,
 * `/`, `{`, `}` or `$`. The escape `$$ref:` is a literal string and does not match.
 */
export const REFERENCE_STRING: JsonSchema = Object.freeze({
  type: 'string',
  pattern: '^\\$ref:[^\\s/{}$]+(?:/|$)',
  description: 'A whole-value reference to an earlier result: $ref:<key>/<json-pointer> (docs/references.md)',
});

/** Keywords whose value is one subschema at a value position below the schema's own. */
const ONE_BELOW = ['items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains'];
/** Keywords whose value maps names to subschemas at value positions below. */
const NAMED_BELOW = ['properties', 'patternProperties'];
/** Keywords whose subschemas describe the schema's own position (combined with it, not below it). */
const SAME_PLACE = ['allOf', 'anyOf', 'oneOf'];
const SAME_PLACE_ONE = ['then', 'else'];
const DEFINITIONS = ['$defs', 'definitions'];

/**
 * `schema` as a batch item's payload may hold it: every value below its root (members of objects,
 * items of arrays, recursively) may also be a whole-value reference, which the executor replaces
 * with the earlier result's value before the route's schema checks the payload. The root is left as
 * is (`orReference` makes it a value position). `${…}` templates are strings already; `not` and `if`
 * are left as written (admitting a string there would turn their meaning around).
 */
export function admitReferences(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ONE_BELOW.includes(key)) copy[key] = admitReferencesAt(value);
    else if (key === 'prefixItems' && Array.isArray(value)) copy[key] = value.map(admitReferencesAt);
    else if (NAMED_BELOW.includes(key) || key === 'dependentSchemas' || DEFINITIONS.includes(key)) {
      const below = key === 'dependentSchemas' || DEFINITIONS.includes(key) ? admitReferences : admitReferencesAt;
      copy[key] = isRecord(value) ? Object.fromEntries(Object.entries(value).map(([name, v]) => [name, below(v)])) : value;
    } else if (SAME_PLACE.includes(key) && Array.isArray(value)) copy[key] = value.map(admitReferences);
    else if (SAME_PLACE_ONE.includes(key)) copy[key] = admitReferences(value);
    else copy[key] = value;
  }
  return copy;
}

/** `schema` at a value position: `anyOf` it, with references admitted below, and a whole-value reference. */
function admitReferencesAt(schema: unknown): unknown {
  return orReference(admitReferences(schema));
}

/** `anyOf` `schema` as is and a whole-value reference: the schema of one value position. */
export function orReference(schema: unknown): unknown {
  // `false` admits nothing, a reference included (a member the schema forbids); `true` and `{}` admit it already.
  if (!isRecord(schema) || Object.keys(schema).length === 0) return schema;
  return { anyOf: [schema, REFERENCE_STRING] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
