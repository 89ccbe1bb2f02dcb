import { Delete, Get, Patch, Post } from '../../decorators/routes.js';
import { Resource } from '../../decorators/resource.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import type { HandlerContext } from '../../resource/handler-context.js';
import type { Session } from '../../session/session.js';
import { ID_SCHEMA } from './parameter-schema.js';
import { quoted } from '../../errors/excerpt.js';

/** An Exago role as the API shows it. */
export interface ExagoRole {
  Id: string;
  IsActive: boolean;
}

const CREATE_SCHEMA = {
  type: 'object',
  required: ['Id'],
  additionalProperties: false,
  properties: { Id: ID_SCHEMA, IsActive: { type: 'boolean' } },
} as const;

const PATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { Id: ID_SCHEMA, IsActive: { type: 'boolean' } },
} as const;

function notFound(id: string): RestBatchError {
  return new RestBatchError('NOT_FOUND', `Role ${quoted(id)} does not exist in this session`);
}

/** Exago's `Roles` of a session: at most one is active. */
@Resource('Roles', { session: 'required' })
export class RolesResource {
  @Get()
  async list(ctx: HandlerContext): Promise<ExagoRole[]> {
    const session = ctx.session!;
    const active = await session.get('meta', 'activeRole');
    return (await session.list('roles')).map(([id]) => ({ Id: id, IsActive: id === active }));
  }

  @Get(':id')
  async read(ctx: HandlerContext): Promise<ExagoRole> {
    const session = ctx.session!;
    const id = ctx.params.id!;
    if ((await session.get('roles', id)) === undefined) throw notFound(id);
    return { Id: id, IsActive: (await session.get('meta', 'activeRole')) === id };
  }

  /** Adds a role and activates it (unless `IsActive` is false). */
  @Post('', { schema: CREATE_SCHEMA })
  async create(ctx: HandlerContext<{ Id: string; IsActive?: boolean }>): Promise<ExagoRole> {
    const session = ctx.session!;
    const { Id, IsActive = true } = ctx.body;
    if (!(await session.add('roles', Id, { Id }))) {
      throw new RestBatchError('CONFLICT', `Role ${quoted(Id)} already exists; PATCH it instead`);
    }
    if (IsActive) await session.set('meta', 'activeRole', Id);
    return { Id, IsActive };
  }

  @Patch(':id', { schema: PATCH_SCHEMA })
  async update(ctx: HandlerContext<{ Id?: string; IsActive?: boolean }>): Promise<void> {
    const session = ctx.session!;
    const id = ctx.params.id!;
    const body = ctx.body ?? {};
    if (body.Id !== undefined && body.Id !== id) {
      throw new RestBatchError('VALIDATION_FAILED', `Payload /Id ${quoted(body.Id)} does not match the Url's ${quoted(id)}`);
    }
    if ((await session.get('roles', id)) === undefined) throw notFound(id);
    if (body.IsActive === true) await session.set('meta', 'activeRole', id);
    else if (body.IsActive === false) await deactivate(session, id);
  }

  @Delete(':id')
  async remove(ctx: HandlerContext): Promise<void> {
    const session = ctx.session!;
    const id = ctx.params.id!;
    if (!(await session.delete('roles', id))) throw notFound(id);
    await deactivate(session, id);
  }
}

/** Clears the active role only while it is still `id`: another node's newer choice is kept. */
async function deactivate(session: Session, id: string): Promise<void> {
  await session.deleteIf('meta', 'activeRole', id);
}
