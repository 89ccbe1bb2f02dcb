import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers } from '../model/canonical.js';
import { MAX_TIMER_MS } from './deadline.js';
import { excerpt, quoted } from '../errors/excerpt.js';

/** The header a client sets to ask for a shorter batch deadline, in milliseconds. */
export const TIMEOUT_HEADER = 'restbatch-timeout';

const MILLISECONDS = /^[0-9]{1,10}$/;

/**
 * The time a batch or sub-request may take: the shortest of the engine's limit and what the
 * client asked for. 0 means none; a client can shorten the engine's limit, never extend it.
 */
export function withinLimit(limitMs: number, requested?: number, alsoRequested?: number): number {
  return shorter(shorter(Math.max(limitMs, 0), requested), alsoRequested);
}

function shorter(ms: number, requested: number | undefined): number {
  return requested !== undefined && requested > 0 && (ms === 0 || requested < ms) ? requested : ms;
}

/** The deadline a client asked for with `RestBatch-Timeout: <ms>`; throws `INVALID_HEADER` when malformed. */
export function requestedTimeout(headers: Headers): number | undefined {
  const value = headers[TIMEOUT_HEADER];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!MILLISECONDS.test(trimmed) || Number(trimmed) === 0) {
    throw new RestBatchError('INVALID_HEADER', `${TIMEOUT_HEADER} must be a whole number of milliseconds above 0, not ${quoted(value)}`);
  }
  // Refused, not clamped: a timer past 2^31 − 1 ms fires at once, and no batch runs for 24 days.
  if (Number(trimmed) > MAX_TIMER_MS) {
    throw new RestBatchError('INVALID_HEADER', `${TIMEOUT_HEADER} must be at most ${MAX_TIMER_MS} ms, not ${excerpt(trimmed)}`, {
      details: { header: TIMEOUT_HEADER, limit: MAX_TIMER_MS },
    });
  }
  return Number(trimmed);
}
