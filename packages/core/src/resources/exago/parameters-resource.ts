import { Delete, Get, Patch, Post } from '../../decorators/routes.js';
import { Resource } from '../../decorators/resource.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import type { HandlerContext } from '../../resource/handler-context.js';
import type { JsonValue } from '../../session/session-store.js';
import { CREATE_PARAMETER_SCHEMA, type ExagoParameter, PATCH_PARAMETER_SCHEMA, toParameter } from './parameter-schema.js';
import { quoted } from '../../errors/excerpt.js';

function notFound(id: string): RestBatchError {
  return new RestBatchError('NOT_FOUND', `Parameter ${quoted(id)} does not exist in this session`);
}

/** Exago's `Parameters` of a session. */
@Resource('Parameters', { session: 'required' })
export class ParametersResource {
  @Get()
  async list(ctx: HandlerContext): Promise<ExagoParameter[]> {
    return (await ctx.session!.list('parameters')).map(([, value]) => value as unknown as ExagoParameter);
  }

  @Get(':id')
  async read(ctx: HandlerContext): Promise<ExagoParameter> {
    const value = await ctx.session!.get('parameters', ctx.params.id!);
    if (value === undefined) throw notFound(ctx.params.id!);
    return value as unknown as ExagoParameter;
  }

  @Post('', { schema: CREATE_PARAMETER_SCHEMA })
  async create(ctx: HandlerContext<Partial<ExagoParameter> & { Id: string }>): Promise<ExagoParameter> {
    const parameter = toParameter(ctx.body);
    if (!(await ctx.session!.add('parameters', parameter.Id, parameter as unknown as JsonValue))) {
      throw new RestBatchError('CONFLICT', `Parameter ${quoted(parameter.Id)} already exists; PATCH it instead`);
    }
    return parameter;
  }

  @Patch(':id', { schema: PATCH_PARAMETER_SCHEMA })
  async update(ctx: HandlerContext<Partial<ExagoParameter>>): Promise<void> {
    const session = ctx.session!;
    const id = ctx.params.id!;
    const body = ctx.body ?? {};
    if (body.Id !== undefined && body.Id !== id) {
      throw new RestBatchError('VALIDATION_FAILED', `Payload /Id ${quoted(body.Id)} does not match the Url's ${quoted(id)}`);
    }
    // A compare-and-set, not read-then-write: a PATCH of another field on another node is kept.
    await session.modify('parameters', id, (current) => {
      if (current === undefined) throw notFound(id);
      return { ...(current as Record<string, JsonValue>), ...(body as Record<string, JsonValue>), Id: id };
    });
  }

  @Delete(':id')
  async remove(ctx: HandlerContext): Promise<void> {
    if (!(await ctx.session!.delete('parameters', ctx.params.id!))) throw notFound(ctx.params.id!);
  }
}
