import { Ajv } from 'ajv';

/** The ajv instance of one engine: strict schemas, defaults applied, no type coercion. */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: false, strict: true, useDefaults: true, coerceTypes: false, allowUnionTypes: true });
}
