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
