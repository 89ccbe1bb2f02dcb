import { type ApiOptions, type GuidewireDialectOptions, guidewireDialect, type OdataDialectOptions, odataDialect } from '@restbatch/core';
import { type ClaimLimits, claimLimits } from './claim-limits.js';
import { CLAIM_LINKS, ClaimLinks } from './claim-links.js';
import { CLAIM_STORE, ClaimStore } from './claim-store.js';
import { claimsResource } from './claims-resource.js';

/** Options of {@link claimApi}. */
export interface ClaimApiOptions {
  /** Base path (default `/rest/claim/v1`). */
  base?: string;
  /** Caps of the claim store and paging of the lists (defaults: `DEFAULT_CLAIM_LIMITS`). */
  limits?: Partial<ClaimLimits>;
  /** Options of the Guidewire dialect at `batch`. */
  guidewire?: GuidewireDialectOptions;
  /** Options of the OData dialect at `$batch`. */
  odata?: OdataDialectOptions;
}

/**
 * The example claim API: `claims`, `claims/{id}/activities`, `claims/{id}/notes` under
 * `/rest/claim/v1`, with a Guidewire batch endpoint at `batch`, an OData / Microsoft Graph one at
 * `$batch`, and Guidewire-shaped errors. Each engine gets its own fresh {@link ClaimStore}, capped
 * by `limits`.
 */
export function claimApi(options: ClaimApiOptions = {}): ApiOptions {
  const guidewire = guidewireDialect(options.guidewire);
  const base = options.base ?? '/rest/claim/v1';
  // Checked now, so a bad limit fails when the API is declared rather than when an engine starts.
  const limits = claimLimits(options.limits);
  return {
    base,
    resources: [claimsResource(limits)],
    batch: [
      { path: 'batch', dialect: guidewire },
      { path: '$batch', dialect: odataDialect(options.odata) },
    ],
    errors: guidewire,
    register: (container) => {
      container.registerInstance(CLAIM_STORE, new ClaimStore(limits));
      container.registerInstance(CLAIM_LINKS, new ClaimLinks(base));
    },
  };
}
