import { type Query, RestBatchError } from '@restbatch/core';
import type { ClaimLimits } from './claim-limits.js';

/** The paging a list call asked for, checked. */
export interface ListQuery {
  /** Items on this page: `pageSize`, else the default page size. */
  readonly pageSize: number;
  /** Items skipped before this page (`pageOffset`, default 0). */
  readonly pageOffset: number;
  /** Whether the answer carries `total` (`includeTotal=true`). */
  readonly includeTotal: boolean;
}

/** Largest `pageOffset` accepted: the store never holds more items than this in one list. */
export const MAX_OFFSET = 1_000_000_000;

/**
 * Reads Guidewire's paging parameters from a list call's query: `pageSize` (an integer from 1 to
 * `maxPageSize`), `pageOffset` (an integer from 0) and `includeTotal` (`true` or `false`). Anything
 * else in them — a repeat, a sign, a fraction, text, 0 or more than the maximum page size —
 * answers 400 `VALIDATION_FAILED` naming the parameter.
 */
export function parseListQuery(query: Readonly<Query>, limits: Pick<ClaimLimits, 'defaultPageSize' | 'maxPageSize'>): ListQuery {
  const pageSize = integer(query, 'pageSize', 1, limits.maxPageSize) ?? limits.defaultPageSize;
  const pageOffset = integer(query, 'pageOffset', 0, MAX_OFFSET) ?? 0;
  const total = single(query, 'includeTotal');
  if (total !== undefined && total !== 'true' && total !== 'false') {
    throw invalid('includeTotal', `includeTotal must be true or false, not ${quote(total)}`);
  }
  return { pageSize, pageOffset, includeTotal: total === 'true' };
}

function integer(query: Readonly<Query>, name: string, min: number, max: number): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw invalid(name, `${name} must be an integer from ${min} to ${max}, not ${quote(text)}`);
  }
  return value;
}

function single(query: Readonly<Query>, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(name, `${name} may be given once`);
  return value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function invalid(parameter: string, message: string): RestBatchError {
  return new RestBatchError('VALIDATION_FAILED', `Invalid query parameter: ${message}`, { details: { parameter } });
}
