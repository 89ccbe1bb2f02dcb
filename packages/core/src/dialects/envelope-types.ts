// The request envelopes of the dialects, as types for clients that build batches in TypeScript.
// The response types live next to each dialect (ExagoResponseItem, GuidewireBatchResponse, ...).

import type { ExagoResponseItem } from './exago/exago-dialect.js';

export type {
  GuidewireEnvelope as GuidewireBatchRequest,
  GuidewireSubRequest as GuidewireRequestItem,
} from './guidewire/check-guidewire-envelope.js';

/** One call of an Exago batch: `Url` is the path after `/rest/`, without a leading slash. */
export interface ExagoRequestItem {
  Url: string;
  /** POST, PATCH, GET or DELETE, in any case. */
  Method: string;
  Payload?: unknown;
}

/** An Exago batch: the calls in order, the first one `POST Sessions`. */
export type ExagoBatchRequest = ExagoRequestItem[];

/** An Exago batch answer: one item per call, in order. */
export type ExagoBatchResponse = ExagoResponseItem[];

/** One request of an OData JSON batch (Microsoft Graph JSON batching). */
export interface OdataRequestItem {
  /** Unique in the batch. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | Lowercase<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>;
  /** Relative to the API: `/claims/cc:22`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Ids (or atomicity group names) of earlier requests this one waits for. */
  dependsOn?: string[];
  atomicityGroup?: string;
}

/** An OData JSON batch request. */
export interface OdataBatchRequest {
  requests: OdataRequestItem[];
}
