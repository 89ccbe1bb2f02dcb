import { exagoDialect } from '../../dialects/exago/exago-dialect.js';
import { withCode } from '../../errors/setup-error-codes.js';
import type { ApiOptions } from '../../engine/engine-options.js';
import { exagoBatchRules } from './exago-batch-rules.js';
import { EXAGO_OPTIONS, type ExagoApiOptions, type ResolvedExagoOptions } from './exago-options.js';
import { ParametersResource } from './parameters-resource.js';
import { RolesResource } from './roles-resource.js';
import { SessionsResource } from './sessions-resource.js';

/**
 * The Exago REST API: `Sessions`, `Roles` and `Parameters` under `/rest`, its batch endpoint at
 * `/rest/batch`, sessions named by the `sid` parameter, stack traces only for sessions whose
 * `ShowErrorDetail` is on.
 */
export function exagoApi(options: ExagoApiOptions = {}): ApiOptions {
  const configs = new Map(Object.entries(options.configs ?? { default: {} }));
  const resolved: ResolvedExagoOptions = {
    configs,
    defaultConfig: options.defaultConfig ?? 'default',
    appPage: options.appPage ?? 'ExagoHome.aspx',
  };
  if (!configs.has(resolved.defaultConfig)) {
    throw withCode(
      new Error(`Exago default configuration ${JSON.stringify(resolved.defaultConfig)} is not among the configs`),
      'INVALID_OPTIONS',
    );
  }
  return {
    base: options.base ?? '/rest',
    resources: [SessionsResource, RolesResource, ParametersResource],
    batch: [
      {
        path: 'batch',
        dialect: exagoDialect,
        anyContentType: options.anyContentType,
        allowExistingSession: options.allowExistingSession,
        maxSubRequests: options.maxSubRequests,
      },
    ],
    sessions: { param: 'sid' },
    errorDetail: (session) => session?.data.ShowErrorDetail === true,
    // Which resource a call names is decided on its matched route, never on the Url's text.
    prechecks: [exagoBatchRules(resolved)],
    register: (container) => container.registerInstance(EXAGO_OPTIONS, resolved),
  };
}
