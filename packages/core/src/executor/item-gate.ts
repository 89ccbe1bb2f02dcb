import type { SubRequest, SubResult } from '../model/canonical.js';
import { statusOf } from '../errors/error-codes.js';
import { dependencyMet } from './dependency-met.js';
import type { DependencyOutcomes } from './dependency-outcomes.js';
import { NO_HEADERS } from './sub-results.js';
import { excerpt } from '../errors/excerpt.js';
import { subRequestName } from './sub-request-name.js';

/**
 * Decides a sub-request the decoder marked: one with a `fault` fails with it (a failure, not a
 * skip: the failure policy sees it); one with a `condition` runs only when each term holds against
 * `outcome` (the final status of each sub-request so far, by id or index, and of each atomicity
 * group named, which succeeded when all its members did; succeeded is 2xx, see `dependencyMet`),
 * else it is skipped with `CONDITION_FALSE`. Returns undefined when the sub-request may run.
 */
export function gateResult(sub: SubRequest, outcome: Pick<DependencyOutcomes, 'get'> | undefined): SubResult | undefined {
  const fault = sub.fault;
  if (fault !== undefined) {
    const error = { code: fault.code, message: fault.message, stack: null };
    return { index: sub.index, id: sub.id, status: statusOf(fault.code), headers: NO_HEADERS, body: undefined, error };
  }
  for (const term of sub.condition ?? []) {
    if (dependencyMet(outcome?.get(term.key)) === term.succeeded) continue;
    const message = `Not executed: sub-request ${subRequestName(sub.id, sub.index)} runs only if ${excerpt(term.key)} ${term.succeeded ? 'succeeded' : 'did not succeed'}`;
    const error = { code: 'CONDITION_FALSE', message, stack: null };
    return {
      index: sub.index,
      id: sub.id,
      status: statusOf('CONDITION_FALSE'),
      headers: NO_HEADERS,
      body: undefined,
      skipped: true,
      error,
    };
  }
  return undefined;
}
