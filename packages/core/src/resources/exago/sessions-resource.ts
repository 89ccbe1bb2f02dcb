import { inject } from 'tsyringe';
import { Delete, Get, Patch, Post } from '../../decorators/routes.js';
import { Resource } from '../../decorators/resource.js';
import type { Engine } from '../../engine/create-engine.js';
import { ENGINE_TOKEN } from '../../engine/tokens.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import type { HandlerContext } from '../../resource/handler-context.js';
import type { Session } from '../../session/session.js';
import { randomHex } from '../../session/random-hex.js';
import type { JsonValue } from '../../session/session-store.js';
import { CONFIG_PARAMETER, configNameOf } from './config-name.js';
import { EXAGO_OPTIONS, type ResolvedExagoOptions } from './exago-options.js';
import { toParameter } from './parameter-schema.js';

const SESSION_FIELDS = {
  Page: { type: 'string', maxLength: 256 },
  ApiAction: { type: 'string', maxLength: 256 },
  ExportType: { type: ['string', 'null'], maxLength: 64 },
  ShowTabs: { type: 'boolean' },
  ShowErrorDetail: { type: 'boolean' },
} as const;

const SESSION_SCHEMA = { type: 'object', additionalProperties: false, properties: SESSION_FIELDS } as const;

const REPORT_SETTINGS = { Id: null, ReportPath: null, SortsResource: null, FilterItems: null, IsError: false, ErrorList: null };

/** Exago's `Sessions`: POST creates a session (the first call of every batch); the rest work outside batches. */
@Resource('Sessions')
export class SessionsResource {
  constructor(
    @inject(EXAGO_OPTIONS) private readonly options: ResolvedExagoOptions,
    @inject(ENGINE_TOKEN) private readonly engine: Engine,
  ) {}

  @Post('', { schema: SESSION_SCHEMA, query: { config: CONFIG_PARAMETER } })
  async create(ctx: HandlerContext<Record<string, JsonValue> | undefined>): Promise<unknown> {
    const name = configNameOf(ctx.query.config, this.options);
    const config = this.options.configs.get(name)!;
    const data: Record<string, JsonValue> = {
      ApiKey: randomHex(16),
      Page: 'ExagoHome',
      ApiAction: 'Default',
      ExportType: null,
      ShowTabs: true,
      ShowErrorDetail: false,
      ...(config.defaults as Record<string, JsonValue>),
      ...ctx.body,
      Config: name,
    };
    const session = await ctx.createSession(data);
    for (const role of config.roles ?? []) await session.set('roles', role.Id, { Id: role.Id });
    const active = config.roles?.find((r) => r.IsActive)?.Id;
    if (active !== undefined) await session.set('meta', 'activeRole', active);
    for (const p of config.parameters ?? []) await session.set('parameters', p.Id!, toParameter(p as never) as never);
    return this.#content(session);
  }

  @Get(':sid', { batchable: false })
  async read(ctx: HandlerContext): Promise<unknown> {
    return this.#content(await this.engine.openSession(ctx.params.sid));
  }

  @Patch(':sid', { schema: SESSION_SCHEMA, batchable: false })
  async update(ctx: HandlerContext<Record<string, JsonValue>>): Promise<void> {
    const session = await this.engine.openSession(ctx.params.sid);
    await session.update(ctx.body ?? {});
  }

  @Delete(':sid', { batchable: false })
  async remove(ctx: HandlerContext): Promise<void> {
    const session = await this.engine.openSession(ctx.params.sid);
    if (!(await this.engine.store.destroy(session.id))) {
      throw new RestBatchError('SESSION_NOT_FOUND', 'The session does not exist or has expired');
    }
  }

  #content(session: Session): Record<string, unknown> {
    const d = session.data;
    return {
      AppUrl: `${this.options.appPage}?d=${String(d.ApiKey)}`,
      ApiKey: d.ApiKey,
      Id: session.id,
      Page: d.Page,
      ApiAction: d.ApiAction,
      ExportType: d.ExportType ?? null,
      ShowTabs: d.ShowTabs,
      ShowErrorDetail: d.ShowErrorDetail,
      ReportSettings: { ...REPORT_SETTINGS },
    };
  }
}
