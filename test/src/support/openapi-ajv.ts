import type { OpenApiDocument } from '@restbatch/openapi';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DOC_ID = 'https://restbatch.test/openapi.json';

/** A JSON Schema 2020-12 validator for a schema of the document's components, refs resolved in the document. */
export function componentValidator(document: OpenApiDocument, ref: unknown): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: DOC_ID, components: document.components });
  const pointer = (ref as { $ref: string }).$ref;
  return ajv.compile({ $ref: `${DOC_ID}${pointer}` });
}

/** The request body schema of `method path` in the document. */
export function requestSchemaOf(document: OpenApiDocument, path: string, method = 'post'): unknown {
  const operation = document.paths[path]?.[method];
  if (operation?.requestBody === undefined) throw new Error(`No request body at ${method} ${path}`);
  return operation.requestBody.content['application/json']!.schema;
}

/** A parameter of `method path` in the document (`in` query or header), by name. */
export function parameterOf(
  document: OpenApiDocument,
  path: string,
  method: string,
  name: string,
  where = 'query',
): Record<string, unknown> {
  const operation = document.paths[path]?.[method] as { parameters?: Array<Record<string, unknown>> } | undefined;
  const found = operation?.parameters?.find((p) => p.name === name && p.in === where);
  if (found === undefined) throw new Error(`No ${where} parameter ${name} at ${method} ${path}`);
  return found;
}

/**
 * Whether a query value, as sent on the wire, fits a parameter's schema: read as OpenAPI's form
 * style reads a primitive (digits as an integer, `true`/`false` as a boolean, else text).
 */
export function queryValidator(document: OpenApiDocument, parameter: Record<string, unknown>): (text: string) => boolean {
  const ajv = new Ajv2020({ strict: false });
  ajv.addSchema({ $id: DOC_ID, components: document.components });
  const schema = parameter.schema as { type?: string };
  const validate = ajv.compile(schema);
  return (text) => {
    let value: unknown = text;
    if ((schema.type === 'integer' || schema.type === 'number') && /^-?[0-9]+$/.test(text)) value = Number(text);
    if (schema.type === 'boolean' && (text === 'true' || text === 'false')) value = text === 'true';
    return validate(value) as boolean;
  };
}
