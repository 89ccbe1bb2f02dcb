import { type ApiOptions, type Dialect, exagoApi, exagoDialect, type ResourceInput } from '@restbatch/core';
import { EXAMPLE_CONFIGS } from './exago-engine.js';

/** The Exago dialect with every batch atomic: a test stand-in for a wire marker of one's own. */
export const atomicExagoDialect: Dialect = {
  ...exagoDialect,
  name: 'exago-atomic',
  decode: (body, context) => ({ ...exagoDialect.decode(body, context), onFail: 'atomic' }),
};

/**
 * The example's Exago API (existing sessions allowed) plus `resources`; with `atomic`, its batch
 * endpoint speaks {@link atomicExagoDialect}.
 */
export function exagoTestApi(resources: readonly ResourceInput[], atomic: boolean): ApiOptions {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS, allowExistingSession: true });
  const batch = atomic ? api.batch!.map((ep) => ({ ...ep, dialect: atomicExagoDialect })) : api.batch;
  return { ...api, resources: [...api.resources, ...resources], batch };
}
