/** The `{data: {attributes, checksum}}` payload of the claim API, with `attributes` as given. */
function payload(attributes: object): object {
  return {
    type: 'object',
    required: ['data'],
    additionalProperties: false,
    properties: {
      data: {
        type: 'object',
        required: ['attributes'],
        additionalProperties: false,
        properties: { attributes, checksum: { type: 'string' } },
      },
    },
  };
}

const CLAIM_FIELDS = {
  claimNumber: { type: 'string', maxLength: 40 },
  description: { type: 'string', maxLength: 2000 },
  lossDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
  lossCause: { type: 'string', maxLength: 100 },
};
const ACTIVITY_FIELDS = {
  subject: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string', maxLength: 2000 },
  status: { type: 'string', enum: ['open', 'complete', 'canceled'] },
  priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] },
};
const NOTE_FIELDS = {
  subject: { type: 'string', maxLength: 200 },
  body: { type: 'string', minLength: 1, maxLength: 10000 },
};

function fields(properties: object, required: string[] = []): object {
  return { type: 'object', required, additionalProperties: false, properties };
}

/** Attribute names of each entity type, in the order the claim API shows them (`id` first). */
export const ATTRIBUTE_NAMES = {
  Claim: ['id', ...Object.keys(CLAIM_FIELDS)],
  Activity: ['id', ...Object.keys(ACTIVITY_FIELDS)],
  Note: ['id', ...Object.keys(NOTE_FIELDS)],
} as const satisfies Record<string, readonly string[]>;

/** Payload schemas of the claim API's routes. */
export const CLAIM_SCHEMAS = {
  createClaim: payload(fields(CLAIM_FIELDS, ['description'])),
  patchClaim: payload(fields(CLAIM_FIELDS)),
  createActivity: payload(fields(ACTIVITY_FIELDS, ['subject'])),
  patchActivity: payload(fields(ACTIVITY_FIELDS)),
  createNote: payload(fields(NOTE_FIELDS, ['body'])),
} as const;

/** The payload every write route receives once validated. */
export interface ClaimPayload {
  data: { attributes: Record<string, unknown>; checksum?: string };
}
