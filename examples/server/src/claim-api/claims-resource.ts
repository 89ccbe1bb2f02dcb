import { Get, type HandlerContext, Patch, Post, type Reply, Resource, type ResourceClass, RestBatchError } from '@restbatch/core';
import { inject } from 'tsyringe';
import { checkIfMatch, withEtag } from './claim-etag.js';
import { parseFields } from './claim-fields.js';
import type { ClaimLimits } from './claim-limits.js';
import { CLAIM_LINKS, type ClaimLinks } from './claim-links.js';
import { CLAIM_SCHEMAS, type ClaimPayload } from './claim-schemas.js';
import { CLAIM_STORE, type ClaimCollection, type ClaimEntity, type ClaimStore, checksumOf, type StoredClaim } from './claim-store.js';
import { entityView, type ListView, listView } from './claim-view.js';
import { parseListQuery } from './list-query.js';
import { entityQueryDocs, listQueryDocs, UPDATE_HEADER_DOCS } from './claim-query-docs.js';

const CHILD_TYPE = { activities: 'Activity', notes: 'Note' } as const;

/**
 * The example claim API, Guidewire style: `claims`, `claims/:claimId/activities` and
 * `claims/:claimId/notes`. Lists are pages (`pageSize`, `pageOffset`, `includeTotal`, `fields`);
 * every write stays within the store's caps. Entities answer with their checksum as an `ETag`.
 * Updates are guarded by `If-Match` (a stale tag answers 412 PRECONDITION_FAILED) and by the
 * `GW-Checksum` header (or `data.checksum`: a stale checksum answers 409 CONFLICT); without either
 * they go ahead. The routes document the query parameters and headers they read, with the bounds
 * of `limits` (see `claimApi`).
 */
export function claimsResource(limits: Pick<ClaimLimits, 'defaultPageSize' | 'maxPageSize'>): ResourceClass {
  @Resource('claims')
  class ClaimsResource {
    constructor(
      @inject(CLAIM_STORE) private readonly store: ClaimStore,
      @inject(CLAIM_LINKS) private readonly links: ClaimLinks,
    ) {}

    @Get('', { query: listQueryDocs('Claim', limits) })
    listClaims(ctx: HandlerContext): ListView {
      return this.#list(
        ctx,
        this.store.claims(),
        this.store.size,
        'Claim',
        this.links.claims(),
        (stored) => stored.claim,
        (c) => this.links.claim(c.id),
      );
    }

    @Get(':claimId', { query: entityQueryDocs('Claim') })
    getClaim(ctx: HandlerContext): Reply {
      const { claim } = this.#claim(ctx);
      return withEtag(200, { data: entityView(claim, this.links.claim(claim.id), parseFields(ctx.query.fields, 'Claim')) }, claim);
    }

    @Post('', { schema: CLAIM_SCHEMAS.createClaim })
    createClaim(ctx: HandlerContext<ClaimPayload>): Reply {
      const { claim } = this.store.addClaim(ctx.body.data.attributes);
      ctx.onRollback(() => this.store.removeClaim(claim.id));
      return withEtag(201, { data: entityView(claim, this.links.claim(claim.id)) }, claim);
    }

    @Patch(':claimId', { schema: CLAIM_SCHEMAS.patchClaim, headers: UPDATE_HEADER_DOCS })
    patchClaim(ctx: HandlerContext<ClaimPayload>): Reply {
      const { claim } = this.#claim(ctx);
      return withEtag(200, { data: entityView(this.#update(ctx, claim), this.links.claim(claim.id)) }, claim);
    }

    @Get(':claimId/activities', { query: listQueryDocs('Activity', limits) })
    listActivities(ctx: HandlerContext): ListView {
      return this.#children(ctx, 'activities');
    }

    @Get(':claimId/activities/:activityId', { query: entityQueryDocs('Activity') })
    getActivity(ctx: HandlerContext): Reply {
      return this.#getChild(ctx, 'activities', ctx.params.activityId!);
    }

    @Post(':claimId/activities', { schema: CLAIM_SCHEMAS.createActivity })
    createActivity(ctx: HandlerContext<ClaimPayload>): Reply {
      return this.#add(ctx, 'activities', { status: 'open', ...ctx.body.data.attributes });
    }

    @Patch(':claimId/activities/:activityId', { schema: CLAIM_SCHEMAS.patchActivity, headers: UPDATE_HEADER_DOCS })
    patchActivity(ctx: HandlerContext<ClaimPayload>): Reply {
      const stored = this.#claim(ctx);
      const activity = child(stored, 'activities', ctx.params.activityId!);
      const data = entityView(this.#update(ctx, activity), this.links.child(stored.claim.id, 'activities', activity.id));
      return withEtag(200, { data }, activity);
    }

    @Get(':claimId/notes', { query: listQueryDocs('Note', limits) })
    listNotes(ctx: HandlerContext): ListView {
      return this.#children(ctx, 'notes');
    }

    @Get(':claimId/notes/:noteId', { query: entityQueryDocs('Note') })
    getNote(ctx: HandlerContext): Reply {
      return this.#getChild(ctx, 'notes', ctx.params.noteId!);
    }

    @Post(':claimId/notes', { schema: CLAIM_SCHEMAS.createNote })
    createNote(ctx: HandlerContext<ClaimPayload>): Reply {
      return this.#add(ctx, 'notes', ctx.body.data.attributes);
    }

    #claim(ctx: HandlerContext): StoredClaim {
      const id = ctx.params.claimId!;
      const stored = this.store.claim(id);
      if (stored === undefined) throw new RestBatchError('NOT_FOUND', `Claim ${JSON.stringify(id)} does not exist`);
      return stored;
    }

    #list<T>(
      ctx: HandlerContext,
      items: Iterable<T>,
      size: number,
      type: ClaimEntity['type'],
      href: string,
      entityOf: (item: T) => ClaimEntity,
      itemHref: (value: ClaimEntity) => string,
    ): ListView {
      // Checked before any item is read: a bad parameter costs nothing.
      const page = parseListQuery(ctx.query, this.store.limits);
      const fields = parseFields(ctx.query.fields, type);
      const fieldsParam = typeof ctx.query.fields === 'string' ? ctx.query.fields : undefined;
      return listView(map(items, entityOf), size, { page, fields, fieldsParam, href, itemHref });
    }

    #children(ctx: HandlerContext, from: ClaimCollection): ListView {
      const stored = this.#claim(ctx);
      const claimId = stored.claim.id;
      return this.#list(
        ctx,
        stored[from].values(),
        stored[from].size,
        CHILD_TYPE[from],
        this.links.collection(claimId, from),
        (e) => e,
        (e) => this.links.child(claimId, from, e.id),
      );
    }

    #getChild(ctx: HandlerContext, from: ClaimCollection, id: string): Reply {
      const stored = this.#claim(ctx);
      const found = child(stored, from, id);
      return withEtag(
        200,
        { data: entityView(found, this.links.child(stored.claim.id, from, id), parseFields(ctx.query.fields, found.type)) },
        found,
      );
    }

    #add(ctx: HandlerContext, into: ClaimCollection, attributes: Record<string, unknown>): Reply {
      const stored = this.#claim(ctx);
      const created = this.store.addChild(stored, into, attributes);
      ctx.onRollback(() => this.store.removeChild(stored, into, created.id));
      return withEtag(201, { data: entityView(created, this.links.child(stored.claim.id, into, created.id)) }, created);
    }

    /** Applies a PATCH after checking the client's `If-Match` and checksum, if it sent them. */
    #update(ctx: HandlerContext<ClaimPayload>, target: ClaimEntity): ClaimEntity {
      checkIfMatch(ctx, target);
      const given = ctx.headers['gw-checksum'] ?? ctx.body.data.checksum;
      if (given !== undefined && given !== checksumOf(target)) {
        throw new RestBatchError(
          'CONFLICT',
          `${target.type} ${target.id} has changed: its checksum is ${checksumOf(target)}, not ${given}; GET it again`,
          {
            details: { id: target.id, checksum: checksumOf(target) },
          },
        );
      }
      ctx.onRollback(this.store.update(target, ctx.body.data.attributes));
      return target;
    }
  }
  return ClaimsResource;
}

function child(stored: StoredClaim, from: ClaimCollection, id: string): ClaimEntity {
  const found = stored[from].get(id);
  if (found === undefined) throw new RestBatchError('NOT_FOUND', `${CHILD_TYPE[from]} ${JSON.stringify(id)} does not exist on this claim`);
  return found;
}

function* map<T, U>(items: Iterable<T>, fn: (item: T) => U): Iterable<U> {
  for (const item of items) yield fn(item);
}
