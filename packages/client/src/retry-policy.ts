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

/**
 * `Retry-After` in ms (RFC 9110 section 10.2.3: `HTTP-date / delay-seconds`, `delay-seconds =
 * 1*DIGIT`); undefined when it is neither, as if absent. A date is in the past: 0.
 */
function askedDelay(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  // A field value's surrounding whitespace is not part of it (RFC 9110 section 5.5).
  const value = header.trim();
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  const date = httpDate(value);
  return date === undefined ? undefined : Math.max(0, date - Date.now());
}

const DAYS = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LONG_DAYS = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const TIME = '([0-9]{2}):([0-9]{2}):([0-9]{2})';
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`. */
const IMF_FIXDATE = new RegExp(`^(?:${DAYS}), ([0-9]{2}) (${MONTH}) ([0-9]{4}) ${TIME} GMT$`);
/** rfc850-date (obsolete): `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^(?:${LONG_DAYS}), ([0-9]{2})-(${MONTH})-([0-9]{2}) ${TIME} GMT$`);
/** asctime-date (obsolete): `Sun Nov  6 08:49:37 1994` (a day below 10 after a space). */
const ASCTIME_DATE = new RegExp(`^(?:${DAYS}) (${MONTH}) ([0-9]{2}| [0-9]) ${TIME} ([0-9]{4})$`);

/**
 * An HTTP-date in ms since the epoch (RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete
 * rfc850-date and asctime-date forms a recipient MUST accept), case-sensitive as the grammar is;
 * undefined for anything else or a date that does not exist (`30 Feb`, `25:00:00`).
 */
function httpDate(value: string): number | undefined {
  const parts = dateParts(value);
  if (parts === undefined) return undefined;
  const { year, month, day, hour, minute } = parts;
  if (month < 0 || hour > 23 || minute > 59 || parts.second > 60) return undefined;
  // A leap second (60, which the grammar allows) is read as the minute's last second.
  const second = Math.min(parts.second, 59);
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter reads a year below 100 as 19xx.
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  // A day past the month's end rolls over into the next month: such a date does not exist.
  return date.getUTCDate() === day && date.getUTCMonth() === month ? date.getTime() : undefined;
}

interface DateParts {
  year: number;
  /** 0 for January. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The fields of an HTTP-date in one of its three forms, or undefined. */
function dateParts(value: string): DateParts | undefined {
  const time = (h: string, m: string, s: string) => ({ hour: Number(h), minute: Number(m), second: Number(s) });
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) return { year: Number(m[3]), month: MONTHS.indexOf(m[2]!), day: Number(m[1]), ...time(m[4]!, m[5]!, m[6]!) };
  m = RFC850_DATE.exec(value);
  if (m !== null) {
    // A two-digit year that would be more than 50 years in the future is the most recent past
    // year with those last two digits (RFC 9110 section 5.6.7).
    const now = new Date().getUTCFullYear();
    let year = now - (now % 100) + Number(m[3]);
    if (year > now + 50) year -= 100;
    return { year, month: MONTHS.indexOf(m[2]!), day: Number(m[1]), ...time(m[4]!, m[5]!, m[6]!) };
  }
  m = ASCTIME_DATE.exec(value);
  if (m !== null) return { year: Number(m[6]), month: MONTHS.indexOf(m[1]!), day: Number(m[2]!.trim()), ...time(m[3]!, m[4]!, m[5]!) };
  return undefined;
}
