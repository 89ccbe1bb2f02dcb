import { RestBatchError } from '@restbatch/core';
import { type ClaimLimits, claimLimits } from './claim-limits.js';

/** DI token of the engine's claim store. */
export const CLAIM_STORE = Symbol('restbatch.example.claim-store');

/** The kinds of entity the claim API keeps. */
export type ClaimEntityType = 'Claim' | 'Activity' | 'Note';

/** A stored claim, activity or note: attributes plus a version the checksum is made of. */
export interface ClaimEntity {
  readonly id: string;
  readonly type: ClaimEntityType;
  attributes: Record<string, unknown>;
  version: number;
  /** Bytes of `attributes` as JSON, counted against `maxStoreBytes`. */
  bytes: number;
}

/** A claim with its child collections. */
export interface StoredClaim {
  readonly claim: ClaimEntity;
  readonly activities: Map<string, ClaimEntity>;
  readonly notes: Map<string, ClaimEntity>;
}

/** The child collections of a claim. */
export type ClaimCollection = 'activities' | 'notes';

const CHILD_TYPE = { activities: 'Activity', notes: 'Note' } as const;
const CHILD_CAP = { activities: 'maxActivitiesPerClaim', notes: 'maxNotesPerClaim' } as const;

/**
 * The claim API's data, in memory, within {@link ClaimLimits}. One store per engine (registered by
 * `claimApi()`), so two engines never share claims. Starts with claim `cc:22` holding activity
 * `cc:55`. Every write checks its cap before it changes anything, and returns how to undo it.
 */
export class ClaimStore {
  readonly limits: Readonly<ClaimLimits>;
  readonly #claims = new Map<string, StoredClaim>();
  #next = 100;
  #bytes = 0;

  constructor(limits: Partial<ClaimLimits> = {}) {
    this.limits = claimLimits(limits);
    const seed = this.addClaim(
      { claimNumber: '000-00-000022', description: 'Rear-ended at a stop light', lossDate: '2024-03-01' },
      'cc:22',
    );
    this.addChild(seed, 'activities', { subject: 'Contact the insured', status: 'open' }, 'cc:55');
  }

  /** Number of claims. */
  get size(): number {
    return this.#claims.size;
  }

  /** Bytes of attributes kept, as counted against `maxStoreBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Every claim, in creation order. */
  claims(): IterableIterator<StoredClaim> {
    return this.#claims.values();
  }

  claim(id: string): StoredClaim | undefined {
    return this.#claims.get(id);
  }

  /** Adds a claim under a new id (or `id`); 409 `CONFLICT` past `maxClaims` or `maxStoreBytes`. */
  addClaim(attributes: Record<string, unknown>, id?: string): StoredClaim {
    if (this.#claims.size >= this.limits.maxClaims) {
      throw full(`The claim store holds ${this.#claims.size} claims, the most it keeps`, 'maxClaims', this.limits.maxClaims);
    }
    const created = this.#entity(id ?? this.#newId(), 'Claim', attributes);
    const stored: StoredClaim = { claim: created, activities: new Map(), notes: new Map() };
    this.#claims.set(created.id, stored);
    this.#bytes += created.bytes;
    return stored;
  }

  /** Removes a claim and its children (the undo of {@link addClaim}). */
  removeClaim(id: string): void {
    const stored = this.#claims.get(id);
    if (stored === undefined) return;
    this.#claims.delete(id);
    this.#bytes -= stored.claim.bytes;
    for (const child of [...stored.activities.values(), ...stored.notes.values()]) this.#bytes -= child.bytes;
  }

  /** Adds an activity or note to `stored`; 409 past its per-claim cap, 413 for a note body over `maxNoteBytes`. */
  addChild(stored: StoredClaim, into: ClaimCollection, attributes: Record<string, unknown>, id?: string): ClaimEntity {
    const collection = stored[into];
    const cap = CHILD_CAP[into];
    if (collection.size >= this.limits[cap]) {
      throw full(`Claim ${stored.claim.id} holds ${collection.size} ${into}, the most one claim keeps`, cap, this.limits[cap]);
    }
    if (into === 'notes') this.#checkNoteBody(attributes.body);
    const created = this.#entity(id ?? this.#newId(), CHILD_TYPE[into], attributes);
    collection.set(created.id, created);
    this.#bytes += created.bytes;
    return created;
  }

  /** Removes an activity or note (the undo of {@link addChild}). */
  removeChild(stored: StoredClaim, from: ClaimCollection, id: string): void {
    const found = stored[from].get(id);
    if (found === undefined) return;
    stored[from].delete(id);
    this.#bytes -= found.bytes;
  }

  /** Merges `changes` into `target` and bumps its version; returns the undo step. */
  update(target: ClaimEntity, changes: Record<string, unknown>): () => void {
    if (target.type === 'Note') this.#checkNoteBody(changes.body);
    const attributes = { ...target.attributes, ...changes };
    const bytes = this.#reserve(attributes, target.bytes);
    const before = { attributes: target.attributes, version: target.version, bytes: target.bytes };
    target.attributes = attributes;
    target.version++;
    target.bytes = bytes;
    this.#bytes += bytes - before.bytes;
    return () => {
      this.#bytes += before.bytes - target.bytes;
      target.attributes = before.attributes;
      target.version = before.version;
      target.bytes = before.bytes;
    };
  }

  #entity(id: string, type: ClaimEntityType, attributes: Record<string, unknown>): ClaimEntity {
    const copy = { ...attributes };
    return { id, type, attributes: copy, version: 0, bytes: this.#reserve(copy, 0) };
  }

  /** Bytes `attributes` take; 409 when storing them instead of `replacing` bytes would pass `maxStoreBytes`. */
  #reserve(attributes: Record<string, unknown>, replacing: number): number {
    const bytes = Buffer.byteLength(JSON.stringify(attributes));
    if (this.#bytes - replacing + bytes > this.limits.maxStoreBytes) {
      throw full(
        `The claim store is full (${this.#bytes} bytes kept, this write needs ${bytes - replacing} more)`,
        'maxStoreBytes',
        this.limits.maxStoreBytes,
      );
    }
    return bytes;
  }

  #checkNoteBody(body: unknown): void {
    if (typeof body !== 'string') return;
    const bytes = Buffer.byteLength(body);
    if (bytes > this.limits.maxNoteBytes) {
      throw new RestBatchError(
        'PAYLOAD_TOO_LARGE',
        `A note body may hold at most ${this.limits.maxNoteBytes} bytes (UTF-8); this one holds ${bytes}`,
        {
          details: { limit: 'maxNoteBytes', max: this.limits.maxNoteBytes, bytes },
        },
      );
    }
  }

  /** A fresh id in the vendor's `cc:N` style. */
  #newId(): string {
    return `cc:${this.#next++}`;
  }
}

function full(what: string, limit: keyof ClaimLimits, max: number): RestBatchError {
  return new RestBatchError('CONFLICT', `${what} (${limit} = ${max}); nothing was written`, { details: { limit, max } });
}

/** The checksum a client sends back in `GW-Checksum` to guard an update. */
export function checksumOf(value: ClaimEntity): string {
  return String(value.version);
}
