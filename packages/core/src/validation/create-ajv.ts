import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { withCode } from '../errors/setup-error-codes.js';

/**
 * A format a route's JSON Schema may name besides the standard ones: a pattern the whole string
 * must match, or a test of the string. It applies to strings only (other values pass, as JSON
 * Schema's `format` does).
 */
export type SchemaFormat = RegExp | ((value: string) => boolean);

// A CommonJS module: imported from ESM, its default is `module.exports`, whose `default` is the plugin.
const addFormats = ajvFormats.default;

/**
 * The ajv instance of one engine: strict schemas, defaults applied, no type coercion. The standard
 * formats of JSON Schema (`date-time`, `email`, `uri`, `uuid`, ...) are checked, through
 * ajv-formats as ajv's documentation advises; `formats` adds an app's own or replaces a standard one.
 */
export function createAjv(formats: Readonly<Record<string, SchemaFormat>> = {}): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, useDefaults: true, coerceTypes: false, allowUnionTypes: true });
  addFormats(ajv);
  for (const [name, format] of Object.entries(formats)) {
    if (!(format instanceof RegExp) && typeof format !== 'function') {
      throw withCode(new TypeError(`formats.${name} must be a RegExp or a function (value: string) => boolean`), 'INVALID_OPTIONS');
    }
    ajv.addFormat(name, format instanceof RegExp ? format : { type: 'string', validate: format });
  }
  return ajv;
}
