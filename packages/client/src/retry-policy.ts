import type { SubCall, SubResult } from './client-dialect.js';

/** Bounded retries of calls answered 429 or 503. */
export interface RetryOptions {
  /** Retries per call (default 2; 0 turns retrying off). */
  attempts?: number;
  /** Longest wait, whatever `Retry-After` asks (default 5000 ms). */
  maxDelayMs?: number;
  /** Wait when the answer names none (default 100 ms). */
  defaultDelayMs?: number;
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);

/** The wait before retrying `call`, or undefined when it must not be retried. */
export function retryDelay(call: SubCall, result: SubResult, attempt: number, given?: RetryOptions): number | undefined {
  if (result.status !== 429 && result.status !== 503) return undefined;
  const options = given ?? {};
  if (attempt >= (options.attempts ?? 2)) return undefined;
  const keyed = Object.keys(call.headers).some((name) => name.toLowerCase() === 'idempotency-key');
  if (!IDEMPOTENT.has(call.method) && !keyed) return undefined;
  const asked = askedDelay(result.headers['retry-after']) ?? options.defaultDelayMs ?? 100;
  return Math.min(asked, options.maxDelayMs ?? 5000);
}

/** `Retry-After` in ms: delay-seconds, or an HTTP date (RFC 9110 section 10.2.3); undefined when it is neither. */
function askedDelay(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
