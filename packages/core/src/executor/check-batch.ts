import type { SubRequest } from '../model/canonical.js';
import type { DecodedBatch } from '../dialects/dialect.js';
import type { CompiledApi, CompiledEndpoint } from '../engine/compiled-api.js';
import type { EngineLimits } from '../engine/engine-options.js';
import { checkBatchSize } from '../dialects/check-batch-size.js';
import { isRestBatchError, RestBatchError } from '../errors/restbatch-error.js';
import { type HttpMethod, isHttpMethod } from '../model/http-method.js';
import type { RouteMatch } from '../routing/route-table.js';
import type { TemplateRoute } from '../routing/template-route.js';
import { BatchEndpoints } from './nested-batch.js';
import { assertSafePath } from './path-safety.js';
import { hasNoReferences } from './no-references.js';
import { planReferences, type ReferencePlan, type SubReferencePlan } from './reference-plan.js';
import { PlannedRoutes } from './routed-batch.js';
import { TemplateRoutes } from './template-routes.js';
import type { TurnClock } from './turn-clock.js';
import { quoted } from '../errors/excerpt.js';
import { subRequestName } from './sub-request-name.js';

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
  /** The atomicity groups a `dependsOn` names (met when every member answered 2xx); undefined when none does. */
  groupDependencies: ReadonlySet<string> | undefined;
  /** Whether any sub-request belongs to an atomicity group (whose failure rewrites earlier results). */
  groups: boolean;
}

/** Refuses a sub-request whose path names a batch endpoint, however it is spelled: a batch cannot contain a batch. */
function checkNotNested(nested: BatchEndpoints, sub: SubRequest, i: number): void {
  if (nested.has(sub.path)) {
    throw new RestBatchError(
      'BATCH_NESTED',
      `Sub-request ${subRequestName(sub.id, i)} targets a batch endpoint; a batch cannot contain a batch`,
    );
  }
}

/**
 * Checks a decoded batch before anything runs; breaking a batch-wide rule rejects it whole:
 * size limits, unique ids, backward-only dependencies (on sub-requests or atomicity groups that
 * ended) and references, well-formed atomic groups, no nested batch (however its path is spelled),
 * and the API's own prechecks, which read the matched routes (`RoutedBatch`) rather than the
 * paths' text. One pass, each step a set lookup: linear in the batch.
 */
export async function checkBatch(
  api: CompiledApi,
  endpoint: CompiledEndpoint,
  batch: DecodedBatch,
  limits: EngineLimits,
  clock?: TurnClock,
): Promise<BatchPlan> {
  const requests = batch.requests;
  if (requests.length === 0 && !endpoint.allowEmpty) throw new RestBatchError('BATCH_EMPTY', 'The batch holds no sub-requests');
  // Decoders count first; this catches a dialect that does not.
  checkBatchSize(requests.length, Math.min(endpoint.maxSubRequests, limits.maxSubRequests));
  // Ids and dependencies are checked against the keys seen so far; a batch with neither (the common
  // case) builds no set, and the first sub-request that has one fills it with the keys before it.
  let seen: Set<string> | undefined;
  let dependencies = false;
  let groupDependencies: Set<string> | undefined;
  const closedGroups = new Set<string>();
  let openGroup: string | undefined;
  let batchAtomic = batch.onFail === 'atomic';
  let anyGroup = false;
  const matches: (RouteMatch | undefined)[] = new Array(requests.length);
  // A batch the engine decoded from a value with no `$` in any string value skips the walk (see markNoReferences).
  const references = hasNoReferences(batch) ? undefined : planReferences(requests, limits);
  let shapes: TemplateRoutes | undefined;
  let templates: (TemplateRoute | undefined)[] | undefined;
  // Sub-requests whose route references choose as the batch runs.
  let late: boolean[] | undefined;
  // Sub-requests that matched no route: a method that has one at the same path.
  let otherMethods: (HttpMethod | undefined)[] | undefined;
  // Their paths once unescaped, where they differ from the text (`$${`).
  let plainPaths: (string | undefined)[] | undefined;
  const nested = new BatchEndpoints(api.endpoints.values());
  // The last path found safe: sub-requests in a row often name the same resource.
  let safePath: string | undefined;
  for (let i = 0; i < requests.length; i++) {
    // A large batch is checked in turns, as it runs: every 128 items the clock is read.
    if (clock !== undefined && (i & 127) === 127 && clock.due()) await clock.yield();
    const sub = requests[i]!;
    if (sub.onFail === 'atomic') batchAtomic = true;
    if (seen === undefined && (sub.id !== undefined || sub.dependsOn !== undefined)) {
      seen = new Set<string>();
      for (let j = 0; j < i; j++) seen.add(String(requests[j]!.index));
    }
    const group = sub.atomicityGroup;
    if (seen !== undefined) {
      if (sub.id !== undefined) {
        if (seen.has(sub.id)) throw new RestBatchError('BATCH_RULE_VIOLATION', `Sub-request id ${quoted(sub.id)} is used twice`);
      }
      if (sub.dependsOn !== undefined) dependencies = true;
      for (const dep of sub.dependsOn ?? []) {
        // An atomicity group that ended before this sub-request (its own group has not).
        const earlierGroup = dep !== group && (closedGroups.has(dep) || dep === openGroup);
        if (!earlierGroup) {
          if (seen.has(dep)) continue;
          throw new RestBatchError(
            'BATCH_RULE_VIOLATION',
            `Sub-request ${subRequestName(sub.id, i)} depends on ${quoted(dep)}, which is not an earlier sub-request`,
          );
        }
        // One name, two meanings: a sub-request's key and a group's name (a dialect that names its
        // groups as it numbers its items). Refused rather than read either way.
        if (seen.has(dep)) {
          throw new RestBatchError(
            'BATCH_RULE_VIOLATION',
            `Sub-request ${subRequestName(sub.id, i)} depends on ${quoted(dep)}, which names both an earlier sub-request and an atomicity group`,
          );
        }
        groupDependencies ??= new Set();
        groupDependencies.add(dep);
      }
      seen.add(sub.id ?? String(sub.index));
    }
    if (group !== openGroup) {
      if (openGroup !== undefined) closedGroups.add(openGroup);
      if (group !== undefined && closedGroups.has(group)) {
        throw new RestBatchError('BATCH_RULE_VIOLATION', `Atomicity group ${quoted(group)} must be one contiguous run of sub-requests`);
      }
      openGroup = group;
    }
    if (group !== undefined) anyGroup = true;
    // A path with references is matched once they are resolved, unless its shape decides the route.
    const refs = references?.subs[i];
    // A path whose only `$` are escapes (`$${`) names its resource as plain text once unescaped.
    const path = refs?.inPath === true ? plainPath(refs) : sub.path;
    if (path === undefined) {
      // Only a plan's path is undefined.
      if (refs === undefined) continue;
      checkNotNested(nested, sub, i);
      if (refs.native === undefined && refs.path !== undefined) {
        shapes ??= new TemplateRoutes(api.routes);
        const template = shapes.find(sub.method, refs.path);
        if (template !== undefined) {
          templates ??= new Array(requests.length);
          templates[i] = template;
        }
      }
      if (templates?.[i] === undefined) {
        late ??= new Array(requests.length);
        late[i] = true;
      }
      continue;
    }
    try {
      // The same path as the sub-request before (a dialect shares the string) passed this check then.
      if (path !== safePath) {
        assertSafePath(path, i);
        safePath = path;
      }
      const match = api.routes.match(sub.method, path);
      matches[i] = match;
      // Batch endpoints are no routes: only a route whose first segment is a parameter could take a batch endpoint's path.
      if (match.route.paramFirst) checkNotNested(nested, sub, i);
    } catch (error) {
      matches[i] = undefined;
      checkNotNested(nested, sub, i);
      // The path names a resource all the same: rules about which resource it is must see it.
      const allowed = isRestBatchError(error) && error.code === 'METHOD_NOT_ALLOWED' ? allowedOf(error.details) : undefined;
      if (allowed !== undefined) {
        otherMethods ??= new Array(requests.length);
        otherMethods[i] = allowed;
        if (path !== sub.path) {
          plainPaths ??= new Array(requests.length);
          plainPaths[i] = path;
        }
      }
    }
  }
  if (batchAtomic && anyGroup) {
    throw new RestBatchError('BATCH_RULE_VIOLATION', 'An atomic batch cannot hold atomicity groups: groups cannot nest');
  }
  if (api.prechecks.length > 0) {
    const routed = new PlannedRoutes(api.routes, requests, { matches, templates, late, otherMethods, plainPaths }, batch.session);
    for (const precheck of api.prechecks) precheck(requests, routed);
  }
  return { matches, batchAtomic, templates, references, dependencies, groupDependencies, groups: anyGroup };
}

/**
 * The text of a path whose template holds escapes but no reference (`/Roles/a$${x}` is
 * `/Roles/a${x}`): its route is matched ahead like any other path's, so it is never deferred
 * (a rule that refuses a call whose resource references choose would refuse it whole); undefined
 * when a reference fills part of the path.
 */
function plainPath(refs: SubReferencePlan): string | undefined {
  const path = refs.path;
  if (refs.native !== undefined || path === undefined || path.whole !== undefined) return undefined;
  let text = '';
  for (const part of path.parts) {
    if (typeof part !== 'string') return undefined;
    text += part;
  }
  return text;
}

/** The first method of a `METHOD_NOT_ALLOWED` error's `details.allowed`. */
function allowedOf(details: unknown): HttpMethod | undefined {
  const allowed = (details as { allowed?: unknown } | undefined)?.allowed;
  return Array.isArray(allowed) && isHttpMethod(allowed[0]) ? allowed[0] : undefined;
}
