import { type HandlerContext, Reply, RestBatchError } from '@restbatch/core';
import { type ClaimEntity, checksumOf } from './claim-store.js';

/** The entity tag of an entity: its checksum, quoted (RFC 9110 §8.8.3). */
export function etagOf(entity: ClaimEntity): string {
  return `"${checksumOf(entity)}"`;
}

/** An answer that carries the entity's `ETag` (lower-case, as canonical headers are). */
export function withEtag(status: number, body: unknown, entity: ClaimEntity): Reply {
  return new Reply(status, body, { etag: etagOf(entity) });
}

/**
 * Honours `If-Match` (RFC 9110 §13.1.1): the update goes ahead only when one of the listed tags is
 * the entity's current one (or the list is `*`); otherwise 412 PRECONDITION_FAILED. A bare checksum
 * is read as its quoted tag, for clients that copy the `checksum` field.
 */
export function checkIfMatch(ctx: HandlerContext, entity: ClaimEntity): void {
  const header = ctx.headers['if-match'];
  if (header === undefined) return;
  const current = etagOf(entity);
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || tag === current || `"${tag}"` === current) return;
  }
  throw new RestBatchError(
    'PRECONDITION_FAILED',
    `${entity.type} ${entity.id} has changed: its ETag is ${current}, not ${header}; GET it again`,
    { details: { id: entity.id, etag: current } },
  );
}
