import { RestBatchError } from '@restbatch/core';
import { ATTRIBUTE_NAMES } from './claim-schemas.js';
import type { ClaimEntityType } from './claim-store.js';

/** Attribute names an answer shows, or `undefined` for every attribute. */
export type FieldSelection = ReadonlySet<string> | undefined;

/** Free-text attributes left out of the `*summary` group. */
const LONG_TEXT = new Set(['description', 'body']);

/** The most comma-separated names one `fields` value may hold. */
export const MAX_FIELD_NAMES = 50;

/** The groups that mean every attribute. */
const EVERY: readonly string[] = ['*all', '*detail', '*default'];
/** The group of every attribute but the free-text ones. */
const SUMMARY = '*summary';

/** The groups `fields` may name besides attributes. */
export const FIELD_GROUPS: readonly string[] = [...EVERY, SUMMARY];

/**
 * Parses Guidewire's `fields` query parameter for an entity type: a comma-separated list of
 * attribute names and groups. `*all`, `*detail` and `*default` mean every attribute (the example's
 * default field set, in lists too); `*summary` means every attribute but the free-text ones
 * (`description`, `body`). An unknown name, an empty item or a repeated parameter answers 400
 * `VALIDATION_FAILED`.
 */
export function parseFields(value: string | string[] | undefined, type: ClaimEntityType): FieldSelection {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw badFields('fields may be given once');
  const known: readonly string[] = ATTRIBUTE_NAMES[type];
  const names = value.split(',');
  if (names.length > MAX_FIELD_NAMES) throw badFields(`fields may name at most ${MAX_FIELD_NAMES} items`);
  const chosen = new Set<string>();
  let all = false;
  for (const name of names) {
    if (EVERY.includes(name)) {
      all = true;
    } else if (name === SUMMARY) {
      for (const k of known) if (!LONG_TEXT.has(k)) chosen.add(k);
    } else if (known.includes(name)) {
      chosen.add(name);
    } else {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw badFields(`fields names ${JSON.stringify(shown)}, which is not a field of ${type}; use ${known.join(', ')}, *summary or *all`);
    }
  }
  return all ? undefined : chosen;
}

/** `{id, ...attributes}` of an entity, restricted to `fields`. */
export function selectAttributes(id: string, attributes: Record<string, unknown>, fields: FieldSelection): Record<string, unknown> {
  const all: Record<string, unknown> = { id, ...attributes };
  if (fields === undefined) return all;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(all)) if (fields.has(name)) out[name] = all[name];
  return out;
}

function badFields(message: string): RestBatchError {
  return new RestBatchError('VALIDATION_FAILED', `Invalid query parameter: ${message}`, { details: { parameter: 'fields' } });
}
