/** The caps of the example claim store and the paging of its lists. */
export interface ClaimLimits {
  /** Most claims the store keeps (default 1000); one more answers 409 `CONFLICT`. */
  maxClaims: number;
  /** Most activities of one claim (default 1000); one more answers 409 `CONFLICT`. */
  maxActivitiesPerClaim: number;
  /** Most notes of one claim (default 1000); one more answers 409 `CONFLICT`. */
  maxNotesPerClaim: number;
  /** Most UTF-8 bytes of one note's `body` (default 10000; the route schema also caps it at 10000 characters); more answers 413 `PAYLOAD_TOO_LARGE`. */
  maxNoteBytes: number;
  /** Most bytes of attributes (as JSON) the whole store keeps (default 16 MiB); more answers 409 `CONFLICT`. */
  maxStoreBytes: number;
  /** Items of a list page when the call gives no `pageSize` (default 25, Guidewire's usual default). */
  defaultPageSize: number;
  /** Largest `pageSize` a call may ask for (default 100); more answers 400 `VALIDATION_FAILED`. */
  maxPageSize: number;
}

/** The documented defaults of {@link ClaimLimits}. */
export const DEFAULT_CLAIM_LIMITS: Readonly<ClaimLimits> = Object.freeze({
  maxClaims: 1000,
  maxActivitiesPerClaim: 1000,
  maxNotesPerClaim: 1000,
  maxNoteBytes: 10_000,
  maxStoreBytes: 16 * 1024 * 1024,
  defaultPageSize: 25,
  maxPageSize: 100,
});

/** The defaults overridden by `given`; a value that is not a positive integer is a programming error. */
export function claimLimits(given: Partial<ClaimLimits> = {}): Readonly<ClaimLimits> {
  const limits: ClaimLimits = { ...DEFAULT_CLAIM_LIMITS };
  for (const name of Object.keys(DEFAULT_CLAIM_LIMITS) as Array<keyof ClaimLimits>) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new TypeError(`claim limit ${name} must be a positive integer, not ${String(value)}`);
    limits[name] = value;
  }
  if (limits.defaultPageSize > limits.maxPageSize) {
    throw new TypeError(`claim limit defaultPageSize (${limits.defaultPageSize}) exceeds maxPageSize (${limits.maxPageSize})`);
  }
  return Object.freeze(limits);
}
