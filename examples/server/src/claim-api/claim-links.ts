import type { ClaimCollection } from './claim-store.js';

/** DI token of the engine's {@link ClaimLinks}. */
export const CLAIM_LINKS = Symbol('restbatch.example.claim-links');

/** A Guidewire link: where to go and which methods work there. */
export interface Link {
  href: string;
  methods: string[];
}

/** `encodeURIComponent`, keeping the `:` of `cc:22` readable (it is legal in a path segment). */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':');
}

/**
 * Builds the `href`s of the claim API's links: absolute paths under the API's base
 * (`/rest/claim/v1/claims/cc:22/notes`), the same in and out of a batch, so a client follows
 * them with an ordinary call.
 */
export class ClaimLinks {
  constructor(readonly base: string) {}

  claims(): string {
    return `${this.base}/claims`;
  }

  claim(id: string): string {
    return `${this.claims()}/${segment(id)}`;
  }

  collection(claimId: string, into: ClaimCollection): string {
    return `${this.claim(claimId)}/${into}`;
  }

  child(claimId: string, into: ClaimCollection, id: string): string {
    return `${this.collection(claimId, into)}/${segment(id)}`;
  }
}
