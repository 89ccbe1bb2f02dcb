import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { RestBatchError } from '../errors/restbatch-error.js';
import { excerpt } from '../errors/excerpt.js';
import { withCode } from '../errors/setup-error-codes.js';
import { subRequestName } from '../executor/sub-request-name.js';
import { defaultsCopier } from './defaults-copier.js';

/**
 * A compiled payload check: returns the payload to hand the handler (defaults applied; a missing
 * payload of an object schema becomes `{}`), or throws `VALIDATION_FAILED` naming the JSON pointer.
 */
export interface PayloadValidator {
  (body: unknown, index: number, name?: string): unknown;
  /** Whether validating writes defaults into the payload (so a shared payload must be copied first). */
  readonly appliesDefaults: boolean;
  /**
   * A payload that shares values with earlier results, copied where validating may write defaults
   * and shared elsewhere (see `defaultsCopier`); the payload itself when the schema names none.
   */
  readonly copyShared: (payload: unknown) => unknown;
}

/**
 * Compiles a route's JSON Schema once, when the engine is created. An invalid schema throws
 * with `where` in the message so that `createEngine()` fails clearly.
 */
export function compileSchema(ajv: Ajv, schema: object, where: string): PayloadValidator {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw withCode(new Error(`Invalid JSON schema for ${where}: ${(error as Error).message}`), 'INVALID_SCHEMA');
  }
  const objectSchema = (schema as { type?: unknown }).type === 'object';
  const validator = (given: unknown, index: number, name?: string): unknown => {
    const body = given === undefined && objectSchema ? {} : given;
    if (validate(body)) return body;
    const first = validate.errors?.[0];
    const pointer = pointerOf(first);
    const detail = first?.message ?? 'is invalid';
    const extra =
      first?.keyword === 'enum'
        ? `: ${(first.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
        : first?.keyword === 'additionalProperties'
          ? `: ${excerpt((first.params as { additionalProperty: string }).additionalProperty)}`
          : '';
    // A sub-request is named by its id where it has one (OData), else by its index.
    const prefix = index >= 0 ? `Sub-request ${subRequestName(name, index)}: payload` : 'Payload';
    throw new RestBatchError('VALIDATION_FAILED', `${prefix} ${excerpt(pointer) || '(root)'} ${detail}${extra}`, {
      details: { index: index >= 0 ? index : undefined, pointer, keyword: first?.keyword, params: first?.params },
    });
  };
  const copy = defaultsCopier(schema);
  return Object.assign(validator, { appliesDefaults: copy !== undefined, copyShared: copy ?? same });
}

function same(payload: unknown): unknown {
  return payload;
}

/**
 * The JSON pointer of the offending value. ajv reports a missing or extra property at its parent
 * object; the pointer names the property itself, and the root is `''` (RFC 6901), never `/`.
 */
function pointerOf(error: ErrorObject | undefined): string {
  if (error === undefined) return '';
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property =
    error.keyword === 'required'
      ? params.missingProperty
      : error.keyword === 'additionalProperties'
        ? params.additionalProperty
        : undefined;
  if (property === undefined) return error.instancePath;
  return `${error.instancePath}/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
