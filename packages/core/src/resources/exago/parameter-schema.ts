/** Exago parameter data types. */
export const EXAGO_DATA_TYPES = ['String', 'Date', 'DateTime', 'Time', 'Integer', 'Decimal', 'Float', 'Bit', 'Currency', 'Guid'] as const;

/** An Exago parameter, as the REST API shows it. */
export interface ExagoParameter {
  Id: string;
  DataType: (typeof EXAGO_DATA_TYPES)[number];
  Value: string | null;
  PromptText: string | null;
  IsHidden: boolean;
  IsMultiValue: boolean;
  Values: string[] | null;
}

const fields = {
  DataType: { enum: [...EXAGO_DATA_TYPES] },
  Value: { type: ['string', 'null'], maxLength: 65536 },
  PromptText: { type: ['string', 'null'], maxLength: 4096 },
  IsHidden: { type: 'boolean' },
  IsMultiValue: { type: 'boolean' },
  Values: { type: ['array', 'null'], maxItems: 10000, items: { type: 'string', maxLength: 65536 } },
} as const;

/** Identifier of a role or parameter. */
export const ID_SCHEMA = { type: 'string', minLength: 1, maxLength: 256 } as const;

/** Payload of POST Parameters. */
export const CREATE_PARAMETER_SCHEMA = {
  type: 'object',
  required: ['Id'],
  additionalProperties: false,
  properties: { Id: ID_SCHEMA, ...fields, IsHidden: { type: 'boolean', default: true } },
} as const;

/** Payload of PATCH Parameters/{Id}. */
export const PATCH_PARAMETER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { Id: ID_SCHEMA, ...fields },
} as const;

/** A full parameter from a partial one, with Exago's defaults. */
export function toParameter(input: Partial<ExagoParameter> & { Id: string }): ExagoParameter {
  return {
    Id: input.Id,
    DataType: input.DataType ?? 'String',
    Value: input.Value ?? null,
    PromptText: input.PromptText ?? null,
    IsHidden: input.IsHidden ?? true,
    IsMultiValue: input.IsMultiValue ?? false,
    Values: input.Values ?? null,
  };
}
