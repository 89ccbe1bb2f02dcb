import { Ajv, type ErrorObject } from 'ajv';
import { RestBatchError } from '../../errors/restbatch-error.js';
import { checkBatchSize } from '../check-batch-size.js';
import { GUIDEWIRE_BATCH_SCHEMA } from './guidewire-batch-schema.js';
import { quoted } from '../../errors/excerpt.js';

/** A Guidewire batch envelope that passed the schema. */
export interface GuidewireEnvelope {
  requests: GuidewireSubRequest[];
}

/** One sub-request of a Guidewire batch, as the schema allows it. */
export interface GuidewireSubRequest {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  query?: string;
  data?: { attributes?: Record<string, unknown>; checksum?: string };
  body?: { data: { attributes?: Record<string, unknown>; checksum?: string }; included?: Record<string, unknown> };
  headers?: Array<{ name: string; value: string }>;
  onFail?: 'abort' | 'ignore';
}

// Compiled once, when the module loads: never per request.
const validate = new Ajv({ allErrors: false, strict: true }).compile<GuidewireEnvelope>(GUIDEWIRE_BATCH_SCHEMA);

function describe(error: ErrorObject): string {
  const at = error.instancePath === '' ? 'the batch' : error.instancePath.slice(1);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at} has the unknown field ${quoted(params.additionalProperty)}`;
    case 'required':
      return `${at} lacks the required field ${quoted(params.missingProperty)}`;
    case 'enum':
      return `${at} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      return error.instancePath.endsWith('/query')
        ? `${at} is the query string without a leading "?" or a "#" (a fragment is no part of a query; write a literal # as %23)`
        : `${at} is a path without "?" or "#"`;
    default:
      return `${at} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Checks a batch body against {@link GUIDEWIRE_BATCH_SCHEMA}; a body that breaks it is rejected
 * whole with `BATCH_MALFORMED`, the message naming the field (`requests/2/method must be one of ...`).
 * The items are counted against `maxSubRequests` first: the schema never walks an oversized batch.
 */
export function checkGuidewireEnvelope(body: unknown, maxSubRequests: number): GuidewireEnvelope {
  const requests = body !== null && typeof body === 'object' ? (body as { requests?: unknown }).requests : undefined;
  if (Array.isArray(requests)) checkBatchSize(requests.length, maxSubRequests);
  if (validate(body)) return body;
  const error = validate.errors?.[0] as ErrorObject;
  throw new RestBatchError('BATCH_MALFORMED', `Invalid batch request: ${describe(error)}`, {
    details: [{ message: describe(error), properties: { pointer: error.instancePath || '/', keyword: error.keyword } }],
  });
}
