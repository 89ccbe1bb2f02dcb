/** DI token of the engine's claim store. */
export const CLAIM_STORE = Symbol('restbatch.example.claim-store');

/** A stored claim, activity or note: attributes plus a version the checksum is made of. */
export interface ClaimEntity {
  readonly id: string;
  readonly type: 'Claim' | 'Activity' | 'Note';
  attributes: Record<string, unknown>;
  version: number;
}

/** A claim with its child collections. */
export interface StoredClaim {
  readonly claim: ClaimEntity;
  readonly activities: Map<string, ClaimEntity>;
  readonly notes: Map<string, ClaimEntity>;
}

/**
 * The claim API's data, in memory. One store per engine (registered by `claimApi()`), so two
 * engines never share claims. Starts with claim `cc:22` holding activity `cc:55`.
 */
export class ClaimStore {
  readonly #claims = new Map<string, StoredClaim>();
  #next = 100;

  constructor() {
    const seed = this.addClaim(
      { claimNumber: '000-00-000022', description: 'Rear-ended at a stop light', lossDate: '2024-03-01' },
      'cc:22',
    );
    seed.activities.set('cc:55', entity('cc:55', 'Activity', { subject: 'Contact the insured', status: 'open' }));
  }

  /** Every claim, in creation order. */
  claims(): StoredClaim[] {
    return [...this.#claims.values()];
  }

  claim(id: string): StoredClaim | undefined {
    return this.#claims.get(id);
  }

  /** Adds a claim under a new id (or `id`). */
  addClaim(attributes: Record<string, unknown>, id = this.newId()): StoredClaim {
    const stored: StoredClaim = { claim: entity(id, 'Claim', attributes), activities: new Map(), notes: new Map() };
    this.#claims.set(id, stored);
    return stored;
  }

  removeClaim(id: string): void {
    this.#claims.delete(id);
  }

  /** A fresh id in the vendor's `cc:N` style. */
  newId(): string {
    return `cc:${this.#next++}`;
  }
}

/** A new entity at version 0. */
export function entity(id: string, type: ClaimEntity['type'], attributes: Record<string, unknown>): ClaimEntity {
  return { id, type, attributes: { ...attributes }, version: 0 };
}

/** The checksum a client sends back in `GW-Checksum` to guard an update. */
export function checksumOf(value: ClaimEntity): string {
  return String(value.version);
}

/** The Guidewire-style representation: `{data: {id, type, attributes, checksum}}`. */
export function present(value: ClaimEntity): { id: string; type: string; attributes: Record<string, unknown>; checksum: string } {
  return { id: value.id, type: value.type, attributes: { id: value.id, ...value.attributes }, checksum: checksumOf(value) };
}
