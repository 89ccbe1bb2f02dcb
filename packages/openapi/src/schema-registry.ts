import { canonicalJson, type JsonSchema, type JsonValue } from '@restbatch/core';
import { toPrefixItems } from './prefix-items.js';

const NAME = /[^A-Za-z0-9._-]/g;

/**
 * The document's `components.schemas`: each distinct schema once, under the first name it was
 * given; the same schema given again (same canonical JSON) gets the same `$ref`.
 */
export class SchemaRegistry {
  readonly #names = new Map<string, string>();
  readonly #schemas: Record<string, JsonSchema> = {};

  /** A `$ref` to `schema`, added under a name made from `hint` unless an equal schema is there. */
  ref(schema: object, hint: string): JsonSchema {
    const key = canonicalJson(schema as JsonValue)!;
    let name = this.#names.get(key);
    if (name === undefined) {
      name = this.#freeName(hint);
      this.#names.set(key, name);
      // Routes declare draft-07: a tuple `items: [...]` is `prefixItems` in 2020-12.
      this.#schemas[name] = rebase(toPrefixItems(schema), `#/components/schemas/${name}`) as JsonSchema;
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** The schemas added so far, by name. */
  get schemas(): Record<string, JsonSchema> {
    return this.#schemas;
  }

  #freeName(hint: string): string {
    const base = hint.replace(NAME, '_') || 'schema';
    let name = base;
    for (let n = 2; Object.hasOwn(this.#schemas, name); n++) name = `${base}${n}`;
    return name;
  }
}

/**
 * A copy of a schema moved to `at`: its own `#…` references now point below `at`, and `$id` and
 * `$schema` are dropped, so that the copy resolves inside the document (OpenAPI 3.1 reads every
 * schema as JSON Schema 2020-12).
 */
function rebase(value: unknown, at: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rebase(v, at));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '$id' || key === '$schema') continue;
    copy[key] =
      key === '$ref' && typeof v === 'string' && v.startsWith('#') && !v.startsWith('#/components/') ? `${at}${v.slice(1)}` : rebase(v, at);
  }
  return copy;
}
