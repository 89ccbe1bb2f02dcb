import { RestBatchError } from '../../errors/restbatch-error.js';
import type { ResolvedExagoOptions } from './exago-options.js';

const CONFIG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * The `config` query parameter as documents describe it: the form of a name (the registered names
 * themselves are the server's business, never listed).
 */
export const CONFIG_PARAMETER = Object.freeze({
  description:
    'The named session configuration to start from (default: the API\u2019s default configuration); an unknown name is refused (CONFIG_UNKNOWN)',
  schema: Object.freeze({ type: 'string', pattern: CONFIG_NAME.source }),
});

/**
 * The registered configuration a `config` parameter names. Only names registered by the app are
 * accepted: never a path, never a name looked up on an object's prototype.
 */
export function configNameOf(value: string | string[] | undefined, options: ResolvedExagoOptions): string {
  if (value === undefined) return options.defaultConfig;
  if (typeof value !== 'string' || !CONFIG_NAME.test(value) || value.includes('..') || !options.configs.has(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : 'given more than once';
    // The registered names are the server's business: never list them to the client.
    throw new RestBatchError('CONFIG_UNKNOWN', `Unknown session configuration ${shown}`);
  }
  return value;
}
