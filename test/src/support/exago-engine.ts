import 'reflect-metadata';
import { createEngine, type Engine, type EngineOptions, exagoApi, type ExagoApiOptions } from '@restbatch/core';
import { createDirectCaller, type DirectCaller } from '@restbatch/direct';

/** The example's default session configuration: one role, MyRole. */
export const EXAMPLE_CONFIGS = {
  default: { roles: [{ Id: 'MyRole' }] },
  Detailed: { defaults: { ShowErrorDetail: true }, roles: [{ Id: 'MyRole' }, { Id: 'Admin' }] },
};

/** A fresh engine serving the Exago API, with errors logged into `logged` instead of stderr. */
export function exagoEngine(
  exago: ExagoApiOptions = {},
  options: Partial<EngineOptions> = {},
): { engine: Engine; call: DirectCaller; logged: Array<Record<string, unknown>> } {
  const logged: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [exagoApi({ configs: EXAMPLE_CONFIGS, ...exago })],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
    ...options,
  });
  return { engine, call: createDirectCaller(engine), logged };
}

/** The seed document's example batch. */
export const SEED_BATCH = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
  {
    Url: 'Parameters',
    Method: 'POST',
    Payload: { Id: 'MyParameter', DataType: 'String', Value: '', PromptText: 'Input a value', IsHidden: true },
  },
];

/** A session, a role made and changed, a read of a role that does not exist (404), and of the one made. */
export const ROLE_CALLS = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Roles', Method: 'POST', Payload: { Id: 'A', IsActive: true } },
  { Url: 'Roles/A', Method: 'PATCH', Payload: { IsActive: false } },
  { Url: 'Roles/B', Method: 'GET' },
  { Url: 'Roles/A', Method: 'GET' },
];
