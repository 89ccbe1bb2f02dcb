import { Get, type HandlerContext, Patch, Post, Resource, RestBatchError } from '@restbatch/core';
import { inject } from 'tsyringe';
import { CLAIM_SCHEMAS, type ClaimPayload } from './claim-schemas.js';
import { CLAIM_STORE, type ClaimEntity, ClaimStore, checksumOf, entity, present, type StoredClaim } from './claim-store.js';

type Data = { data: ReturnType<typeof present> };
type List = { count: number; data: Array<ReturnType<typeof present>> };

function list(values: Iterable<ClaimEntity>): List {
  const data = [...values].map(present);
  return { count: data.length, data };
}

/**
 * The example claim API, Guidewire style: `claims`, `claims/:claimId/activities` and
 * `claims/:claimId/notes`. Updates are guarded by the `GW-Checksum` header (or `data.checksum`):
 * a stale checksum answers 409 CONFLICT, a missing one is allowed.
 */
@Resource('claims')
export class ClaimsResource {
  constructor(@inject(CLAIM_STORE) private readonly store: ClaimStore) {}

  @Get()
  listClaims(): List {
    return list(this.store.claims().map((c) => c.claim));
  }

  @Get(':claimId')
  getClaim(ctx: HandlerContext): Data {
    return { data: present(this.#claim(ctx).claim) };
  }

  @Post('', { schema: CLAIM_SCHEMAS.createClaim })
  createClaim(ctx: HandlerContext<ClaimPayload>): Data {
    const stored = this.store.addClaim(ctx.body.data.attributes);
    ctx.onRollback(() => this.store.removeClaim(stored.claim.id));
    return { data: present(stored.claim) };
  }

  @Patch(':claimId', { schema: CLAIM_SCHEMAS.patchClaim })
  patchClaim(ctx: HandlerContext<ClaimPayload>): Data {
    return { data: present(update(ctx, this.#claim(ctx).claim)) };
  }

  @Get(':claimId/activities')
  listActivities(ctx: HandlerContext): List {
    return list(this.#claim(ctx).activities.values());
  }

  @Get(':claimId/activities/:activityId')
  getActivity(ctx: HandlerContext): Data {
    return { data: present(child(this.#claim(ctx).activities, ctx.params.activityId!, 'Activity')) };
  }

  @Post(':claimId/activities', { schema: CLAIM_SCHEMAS.createActivity })
  createActivity(ctx: HandlerContext<ClaimPayload>): Data {
    return { data: present(this.#add(ctx, 'activities', 'Activity', { status: 'open', ...ctx.body.data.attributes })) };
  }

  @Patch(':claimId/activities/:activityId', { schema: CLAIM_SCHEMAS.patchActivity })
  patchActivity(ctx: HandlerContext<ClaimPayload>): Data {
    return { data: present(update(ctx, child(this.#claim(ctx).activities, ctx.params.activityId!, 'Activity'))) };
  }

  @Get(':claimId/notes')
  listNotes(ctx: HandlerContext): List {
    return list(this.#claim(ctx).notes.values());
  }

  @Post(':claimId/notes', { schema: CLAIM_SCHEMAS.createNote })
  createNote(ctx: HandlerContext<ClaimPayload>): Data {
    return { data: present(this.#add(ctx, 'notes', 'Note', ctx.body.data.attributes)) };
  }

  #claim(ctx: HandlerContext): StoredClaim {
    const id = ctx.params.claimId!;
    const stored = this.store.claim(id);
    if (stored === undefined) throw new RestBatchError('NOT_FOUND', `Claim ${JSON.stringify(id)} does not exist`);
    return stored;
  }

  #add(ctx: HandlerContext, into: 'activities' | 'notes', type: ClaimEntity['type'], attributes: Record<string, unknown>): ClaimEntity {
    const collection = this.#claim(ctx)[into];
    const created = entity(this.store.newId(), type, attributes);
    collection.set(created.id, created);
    ctx.onRollback(() => void collection.delete(created.id));
    return created;
  }
}

function child(collection: Map<string, ClaimEntity>, id: string, type: string): ClaimEntity {
  const found = collection.get(id);
  if (found === undefined) throw new RestBatchError('NOT_FOUND', `${type} ${JSON.stringify(id)} does not exist on this claim`);
  return found;
}

/** Applies a PATCH after checking the client's checksum, if it sent one. */
function update(ctx: HandlerContext<ClaimPayload>, target: ClaimEntity): ClaimEntity {
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
  const before = { attributes: target.attributes, version: target.version };
  target.attributes = { ...target.attributes, ...ctx.body.data.attributes };
  target.version++;
  ctx.onRollback(() => {
    target.attributes = before.attributes;
    target.version = before.version;
  });
  return target;
}
