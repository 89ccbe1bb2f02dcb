import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledApi, CompiledEndpoint } from '../engine/compiled-api.js';
import type { EngineLimits } from '../engine/engine-options.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { RouteMatch } from '../routing/route-table.js';
import type { TemplateRoute } from '../routing/template-route.js';
import { assertSafePath } from './path-safety.js';
import { planReferences, type ReferencePlan } from './reference-plan.js';
import { TemplateRoutes } from './template-routes.js';

/** What the pre-pass learned: routes matched ahead of time and whether the whole batch is atomic. */
export interface BatchPlan {
  /** The route of each sub-request, or undefined when it fails to match (it then fails alone). */
  matches: (RouteMatch | undefined)[];
  batchAtomic: boolean;
  /**
   * The route of a sub-request whose path holds references, when every value they can take reaches
   * it (see `TemplateRoutes`); undefined for a batch without such paths.
   */
  templates: (TemplateRoute | undefined)[] | undefined;
  /** The batch's references; undefined for a batch without any. */
  references: ReferencePlan | undefined;
  /** Whether any sub-request has `dependsOn` (else nobody asks which sub-requests succeeded). */
  dependencies: boolean;
}

/**
 * Checks a decoded batch before anything runs; breaking a batch-wide rule rejects it whole:
 * size limits, unique ids, backward-only dependencies and references, well-formed atomic groups,
 * no nested batch, and the API's own prechecks.
 */
export function checkBatch(api: CompiledApi, endpoint: CompiledEndpoint, batch: DecodedBatch, limits: EngineLimits): BatchPlan {
  const requests = batch.requests;
  if (requests.length === 0) throw new RestBatchError('BATCH_EMPTY', 'The batch holds no sub-requests');
  const max = Math.min(endpoint.maxSubRequests, limits.maxSubRequests);
  if (requests.length > max) {
    throw new RestBatchError('BATCH_TOO_MANY_REQUESTS', `The batch holds ${requests.length} sub-requests; the limit is ${max}`, {
      details: { count: requests.length, limit: max },
    });
  }
  // Ids and dependencies are checked against the keys seen so far; a batch with neither (the common
  // case) builds no set, and the first sub-request that has one fills it with the keys before it.
  let seen: Set<string> | undefined;
  let dependencies = false;
  const closedGroups = new Set<string>();
  let openGroup: string | undefined;
  let batchAtomic = batch.onFail === 'atomic';
  let anyGroup = false;
  const matches: (RouteMatch | undefined)[] = new Array(requests.length);
  const references = planReferences(requests);
  let shapes: TemplateRoutes | undefined;
  let templates: (TemplateRoute | undefined)[] | undefined;
  for (let i = 0; i < requests.length; i++) {
    const sub = requests[i]!;
    if (sub.onFail === 'atomic') batchAtomic = true;
    if (seen === undefined && (sub.id !== undefined || sub.dependsOn !== undefined)) {
      seen = new Set<string>();
      for (let j = 0; j < i; j++) seen.add(String(requests[j]!.index));
    }
    if (seen !== undefined) {
      if (sub.id !== undefined) {
        if (seen.has(sub.id)) throw new RestBatchError('BATCH_RULE_VIOLATION', `Sub-request id ${JSON.stringify(sub.id)} is used twice`);
      }
      if (sub.dependsOn !== undefined) dependencies = true;
      for (const dep of sub.dependsOn ?? []) {
        if (!seen.has(dep)) {
          throw new RestBatchError(
            'BATCH_RULE_VIOLATION',
            `Sub-request ${sub.id ?? i} depends on ${JSON.stringify(dep)}, which is not an earlier sub-request`,
          );
        }
      }
      seen.add(sub.id ?? String(sub.index));
    }
    const group = sub.atomicityGroup;
    if (group !== openGroup) {
      if (openGroup !== undefined) closedGroups.add(openGroup);
      if (group !== undefined && closedGroups.has(group)) {
        throw new RestBatchError(
          'BATCH_RULE_VIOLATION',
          `Atomicity group ${JSON.stringify(group)} must be one contiguous run of sub-requests`,
        );
      }
      openGroup = group;
    }
    if (group !== undefined) anyGroup = true;
    if (endpoint.path !== '' && api.endpoints.has(sub.path)) {
      throw new RestBatchError('BATCH_NESTED', `Sub-request ${i} targets a batch endpoint; a batch cannot contain a batch`);
    }
    // A path with references is matched once they are resolved, unless its shape decides the route.
    const refs = references?.subs[i];
    if (refs?.inPath === true) {
      if (refs.native === undefined && refs.path !== undefined) {
        shapes ??= new TemplateRoutes(api.routes);
        const template = shapes.find(sub.method, refs.path);
        if (template !== undefined) {
          templates ??= new Array(requests.length);
          templates[i] = template;
        }
      }
      continue;
    }
    try {
      assertSafePath(sub.path, i);
      matches[i] = api.routes.match(sub.method, sub.path);
    } catch {
      matches[i] = undefined;
    }
  }
  if (batchAtomic && anyGroup) {
    throw new RestBatchError('BATCH_RULE_VIOLATION', 'An atomic batch cannot hold atomicity groups: groups cannot nest');
  }
  for (const precheck of api.prechecks) precheck(requests);
  return { matches, batchAtomic, templates, references, dependencies };
}
