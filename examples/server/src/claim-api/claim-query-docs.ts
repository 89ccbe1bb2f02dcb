import type { RouteHeaderDoc, RouteQueryDoc } from '@restbatch/core';
import { ATTRIBUTE_NAMES } from './claim-schemas.js';
import type { ClaimEntityType } from './claim-store.js';
import type { ClaimLimits } from './claim-limits.js';
import { FIELD_GROUPS, MAX_FIELD_NAMES } from './claim-fields.js';
import { MAX_OFFSET } from './list-query.js';

/**
 * The `fields` parameter as `parseFields` reads it for `type`: one to {@link MAX_FIELD_NAMES}
 * comma-separated names, each an attribute of the type or a group.
 */
function fieldsDoc(type: ClaimEntityType): RouteQueryDoc {
  const names = [...ATTRIBUTE_NAMES[type], ...FIELD_GROUPS].map((n) => n.replace(/\*/g, '\\*')).join('|');
  return {
    description:
      `Comma-separated attributes of the ${type} to show (${ATTRIBUTE_NAMES[type].join(', ')}) or groups: ` +
      `*summary (all but free text), *all, *detail, *default (every attribute); at most ${MAX_FIELD_NAMES} names; ` +
      'anything else is refused (400 VALIDATION_FAILED)',
    schema: { type: 'string', pattern: `^(?:${names})(?:,(?:${names})){0,${MAX_FIELD_NAMES - 1}}$` },
  };
}

/** The query an entity's GET reads: `fields`. */
export function entityQueryDocs(type: ClaimEntityType): Record<string, RouteQueryDoc> {
  return { fields: fieldsDoc(type) };
}

/**
 * The query a list's GET reads, with the bounds `parseListQuery` checks under `limits`: a value out
 * of them is refused (400 VALIDATION_FAILED naming the parameter).
 */
export function listQueryDocs(
  type: ClaimEntityType,
  limits: Pick<ClaimLimits, 'defaultPageSize' | 'maxPageSize'>,
): Record<string, RouteQueryDoc> {
  return {
    pageSize: {
      description: `Items on the page, from 1 to ${limits.maxPageSize} (default ${limits.defaultPageSize}); decimal digits only`,
      schema: { type: 'integer', minimum: 1, maximum: limits.maxPageSize },
    },
    pageOffset: {
      description: `Items skipped before the page, from 0 to ${MAX_OFFSET} (default 0); decimal digits only`,
      schema: { type: 'integer', minimum: 0, maximum: MAX_OFFSET },
    },
    includeTotal: {
      description: 'Whether the answer carries `total`, the number of items of the whole list (true or false; default false)',
      schema: { type: 'boolean' },
    },
    fields: fieldsDoc(type),
  };
}

/** The headers that guard an update: `If-Match` (412 PRECONDITION_FAILED) and `GW-Checksum` (409 CONFLICT). */
export const UPDATE_HEADER_DOCS: Readonly<Record<string, RouteHeaderDoc>> = Object.freeze({
  'If-Match': {
    description:
      'Entity tags (the ETag a GET answered), comma-separated, or *: the update goes ahead only when one is current, ' +
      'else 412 PRECONDITION_FAILED. A bare checksum is read as its quoted tag.',
    schema: { type: 'string', minLength: 1 },
  },
  'GW-Checksum': {
    description:
      'The checksum the client last read (the `checksum` of the entity, as `data.checksum` may also carry it): ' +
      'a stale one answers 409 CONFLICT. The header wins over `data.checksum`.',
    schema: { type: 'string' },
  },
});
