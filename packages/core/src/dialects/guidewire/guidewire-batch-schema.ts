/**
 * The JSON Schema of a Guidewire Cloud API batch envelope: our equivalent of the vendor's
 * `batch_pl-1.0.schema.json`. This const is the source of truth; the package ships the same schema
 * as `schemas/guidewire-batch.schema.json` and a test keeps the two equal.
 */
export const GUIDEWIRE_BATCH_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://restbatch.dev/schemas/guidewire-batch.schema.json',
  title: 'Guidewire Cloud API batch request',
  type: 'object',
  required: ['requests'],
  additionalProperties: false,
  properties: {
    requests: { type: 'array', items: { $ref: '#/definitions/subRequest' } },
  },
  definitions: {
    subRequest: {
      type: 'object',
      required: ['method', 'path'],
      additionalProperties: false,
      properties: {
        method: { type: 'string', enum: ['get', 'post', 'patch', 'put', 'delete'] },
        path: { type: 'string', minLength: 1, pattern: '^[^?#]*$' },
        query: { type: 'string', pattern: '^(?!\\?)[^#]*$' },
        data: { $ref: '#/definitions/data' },
        body: {
          type: 'object',
          required: ['data'],
          additionalProperties: false,
          properties: { data: { $ref: '#/definitions/data' }, included: { type: 'object' } },
        },
        headers: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'value'],
            additionalProperties: false,
            properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } },
          },
        },
        onFail: { type: 'string', enum: ['abort', 'ignore'] },
      },
    },
    data: {
      type: 'object',
      additionalProperties: false,
      properties: { attributes: { type: 'object' }, checksum: { type: 'string' } },
    },
  },
} as const;
