import { sha256 } from '../engine/sha256.js';

/** What a caller key is computed from: the authenticated identity and the outer request. */
export interface CallerKeySource {
  /** What the `authenticate` hook returned (undefined without one). */
  readonly identity: unknown;
  readonly remoteAddress?: string | undefined;
  readonly transport?: string | undefined;
}

/**
 * The default text of an identity, or undefined when it names no one: a non-empty string or a
 * number as is, an object's string or number `id` (or `sub`), any other object as its JSON unless
 * that is empty (`{}`: a class with private fields would make every caller one). Apps whose
 * identities are none of these pass `identityKey`.
 */
export function defaultIdentityKey(identity: unknown): string | undefined {
  if (typeof identity === 'string') return identity === '' ? undefined : identity;
  if (typeof identity === 'number' || typeof identity === 'bigint') return String(identity);
  if (typeof identity !== 'object' || identity === null) return undefined;
  const named = identity as { id?: unknown; sub?: unknown };
  for (const id of [named.id, named.sub]) if (typeof id === 'string' || typeof id === 'number') return defaultIdentityKey(id);
  try {
    const json = JSON.stringify(identity);
    return json === '{}' || json === '[]' ? undefined : json;
  } catch {
    return undefined;
  }
}

/**
 * The caller that sessions and idempotency records are counted against: the identity when it
 * names someone (`identityKey`), else the remote address, else the transport (`direct`, ...).
 * Hashed, so a key has a fixed length whatever the identity holds. Never an unverified header:
 * a client could change it at will to escape its quota.
 */
export function callerKey(source: CallerKeySource, identityKey: (identity: unknown) => string | undefined): string {
  const id = source.identity === undefined ? undefined : identityKey(source.identity);
  if (id !== undefined) return `id:${digest(id)}`;
  if (source.remoteAddress !== undefined && source.remoteAddress !== '') return `addr:${digest(source.remoteAddress)}`;
  return `transport:${digest(source.transport ?? 'unknown')}`;
}

function digest(text: string): string {
  return sha256([text], 'base64url').slice(0, 32);
}
