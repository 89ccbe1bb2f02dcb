import { type ApiOptions, type GuidewireDialectOptions, guidewireDialect, type OdataDialectOptions, odataDialect } from '@restbatch/core';
import { CLAIM_STORE, ClaimStore } from './claim-store.js';
import { ClaimsResource } from './claims-resource.js';

/** Options of {@link claimApi}. */
export interface ClaimApiOptions {
  /** Base path (default `/rest/claim/v1`). */
  base?: string;
  /** Options of the Guidewire dialect at `batch`. */
  guidewire?: GuidewireDialectOptions;
  /** Options of the OData dialect at `$batch`. */
  odata?: OdataDialectOptions;
}

/**
 * The example claim API: `claims`, `claims/{id}/activities`, `claims/{id}/notes` under
 * `/rest/claim/v1`, with a Guidewire batch endpoint at `batch`, an OData / Microsoft Graph one at
 * `$batch`, and Guidewire-shaped errors. Each engine gets its own fresh {@link ClaimStore}.
 */
export function claimApi(options: ClaimApiOptions = {}): ApiOptions {
  const guidewire = guidewireDialect(options.guidewire);
  return {
    base: options.base ?? '/rest/claim/v1',
    resources: [ClaimsResource],
    batch: [
      { path: 'batch', dialect: guidewire },
      { path: '$batch', dialect: odataDialect(options.odata) },
    ],
    errors: guidewire,
    register: (container) => container.registerInstance(CLAIM_STORE, new ClaimStore()),
  };
}
