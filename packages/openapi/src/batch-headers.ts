import { IDEMPOTENCY_KEY_SHAPE, type JsonSchema, MAX_TIMER_MS } from '@restbatch/core';

/**
 * The request headers the engine reads on every batch endpoint, whatever its dialect, as OpenAPI
 * header parameters: schemas say exactly what the engine takes; anything else is 400 `INVALID_HEADER`.
 */
export function batchRequestHeaders(): JsonSchema[] {
  return [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Runs the batch once: a retry with the same key and request gets the stored answer (Idempotent-Replayed: true), ' +
        'another request 422 IDEMPOTENCY_MISMATCH, a retry while the first runs 409 CONFLICT (docs/idempotency.md). ' +
        '1 to 255 visible ASCII characters; ignored when the engine runs with idempotency: false.',
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_SHAPE.source },
    },
    {
      name: 'RestBatch-Timeout',
      in: 'header',
      required: false,
      description:
        'A shorter deadline for the whole batch, in milliseconds (decimal digits only, at most 10 of them): ' +
        'it can shorten the engine\u2019s limit, never extend it (docs/deadlines.md).',
      schema: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS },
    },
    {
      name: 'RestBatch-References',
      in: 'header',
      required: false,
      description:
        'none (in any case): every string of the batch is taken as written, no reference, escape or $<id> prefix is read ' +
        '(docs/references.md). Not passed on to sub-requests.',
      schema: { type: 'string', pattern: '^\\s*[Nn][Oo][Nn][Ee]\\s*$', examples: ['none'] },
    },
  ];
}

/** The response headers of a batch answer sent with an `Idempotency-Key` (docs/idempotency.md), by name. */
export function idempotencyResponseHeaders(): Record<string, JsonSchema> {
  return {
    'Idempotent-Replayed': {
      description: 'true: the stored answer of an earlier request with the same Idempotency-Key, replayed',
      schema: { type: 'string', enum: ['true'] },
    },
    'Idempotency-Status': {
      description: 'not-stored: the answer was too large to keep, a retry with its key gets 422 IDEMPOTENCY_NOT_STORED',
      schema: { type: 'string', enum: ['not-stored'] },
    },
  };
}
