import type { EngineLimits } from '../engine/engine-options.js';
import { withCode } from '../errors/setup-error-codes.js';

const RECORD_LIMITS = [
  'maxSessionsPerCaller',
  'maxIdempotencyRecordsPerCaller',
  'maxIdempotencyRecords',
  'maxIdempotencyRecordBytes',
  'maxIdempotencyBytes',
] as const;

/**
 * Checks the budgets of records kept per caller when the engine is created: each must be a whole
 * number of at least 1, or a quota would silently turn off (a NaN compares false with everything).
 */
export function checkRecordLimits(limits: Readonly<EngineLimits>): void {
  for (const name of RECORD_LIMITS) {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value < 1)
      throw withCode(new RangeError(`limits.${name} must be a whole number of at least 1, not ${value}`), 'INVALID_OPTIONS');
  }
}
