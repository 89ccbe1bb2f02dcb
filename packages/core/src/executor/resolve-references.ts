import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers, Query, SubRequest, SubResult } from '../model/canonical.js';
import { deepFreeze } from '../session/deep-freeze.js';
import type { BatchBudget } from './batch-budget.js';
import type { BodyPatch, BoundReference, BoundTemplate, NamedText } from './compile-references.js';
import type { SubReferencePlan } from './reference-plan.js';
import { asText, encodeSegment, locationOf, pointAt } from './reference-values.js';
import { excerpt } from '../errors/excerpt.js';

type Place = (value: unknown, ref: BoundReference) => string;

/** What resolving one sub-request reads: earlier results, and the budget its expansion is charged to. */
interface Resolving {
  readonly results: readonly SubResult[];
  readonly budget: BatchBudget;
  readonly sub: SubRequest;
}

/**
 * Returns `sub` with every reference replaced by the value it points at, following the resolver
 * the pre-pass compiled: only the referenced values are fetched, and only the containers on the
 * way to a reference are copied. A whole-value reference shares the earlier result's snapshot,
 * frozen, never a copy. What the references expand to is charged to `budget` before it is built.
 * `ran` holds the earlier sub-requests as they ran, `results` their results. Throws
 * DEPENDENCY_FAILED for a reference to a result that did not succeed, REFERENCES_TOO_LARGE past the budget.
 */
export function resolveReferences(
  sub: SubRequest,
  plan: SubReferencePlan,
  ran: readonly SubRequest[],
  results: readonly SubResult[],
  base: string,
  budget: BatchBudget,
  /** Receives the path's encoded values in order, for a route found before they were known. */
  pathValues?: string[],
): SubRequest {
  // The `$<id>` prefix first, then the rest of the path: the first reference that fails names the error.
  const native = plan.native;
  const prefix = native === undefined ? '' : locationOf(ran[native.target] as SubRequest, succeeded(results, native), base);
  // A plain spread, then the fields set: V8 copies the object with its shape, the cheapest copy there is.
  const out: SubRequest = { ...sub };
  const at: Resolving = { results, budget, sub };
  out.path = prefix + (plan.path === undefined ? plan.rest : renderPath(plan.path, at, pathValues));
  if (plan.query !== undefined) out.query = record(sub.query, plan.query, at) as Query;
  if (plan.headers !== undefined) out.headers = record(sub.headers, plan.headers, at) as Headers;
  if (plan.body !== undefined) out.body = patch(sub.body, plan.body, at);
  return out;
}

/** The value a reference points at, in a result that must have succeeded. */
function referenced(results: readonly SubResult[], ref: BoundReference): unknown {
  return pointAt(succeeded(results, ref), ref);
}

function succeeded(results: readonly SubResult[], ref: BoundReference): SubResult {
  const result = results[ref.target] as SubResult;
  if (result.status >= 400) {
    throw new RestBatchError(
      'DEPENDENCY_FAILED',
      `Reference ${excerpt(ref.raw)} names sub-request ${excerpt(ref.key)}, which did not succeed (status ${result.status})`,
      {
        details: { reference: ref.raw, status: result.status },
      },
    );
  }
  return result;
}

/**
 * A string with its references in place; a whole-value reference becomes its text. Measured
 * before it is built: a string that repeats a large value is refused, never made.
 */
function render(template: BoundTemplate, at: Resolving, place: Place): string {
  const whole = template.whole;
  if (whole !== undefined) {
    const text = place(referenced(at.results, whole), whole);
    at.budget.chargeResolved(text.length, at.sub);
    return text;
  }
  const parts = template.parts;
  let length = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string | BoundReference;
    if (typeof part !== 'string') length += place(referenced(at.results, part), part).length;
  }
  at.budget.chargeResolved(length, at.sub);
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string | BoundReference;
    out += typeof part === 'string' ? part : place(referenced(at.results, part), part);
  }
  return out;
}

/** A path with its references in place, each value encoded as one segment and also given to `values`. */
function renderPath(template: BoundTemplate, at: Resolving, values: string[] | undefined): string {
  const results = at.results;
  const whole = template.whole;
  if (whole !== undefined) {
    const text = encodeSegment(referenced(results, whole), whole);
    at.budget.chargeResolved(text.length, at.sub);
    return text;
  }
  const parts = template.parts;
  let out = '';
  let n = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string | BoundReference;
    if (typeof part === 'string') out += part;
    else {
      const text = encodeSegment(referenced(results, part), part);
      at.budget.chargeResolved(text.length, at.sub);
      if (values !== undefined) values[n++] = text;
      out += text;
    }
  }
  return out;
}

/** Query parameters and headers: text only, so a whole-value reference becomes its text. */
function record(source: Query | Headers, texts: readonly NamedText[], at: Resolving): Query | Headers {
  const out = Object.assign(Object.create(null), source) as Query;
  for (const { name, item, text } of texts) {
    const resolved = render(text, at, asText);
    if (item < 0) out[name] = resolved;
    else {
      if (out[name] === source[name]) out[name] = (source[name] as string[]).slice();
      (out[name] as string[])[item] = resolved;
    }
  }
  return out;
}

/** A JSON value with the patch applied: the containers on its way are shallow-copied, the rest shared. */
function patch(target: unknown, at: BodyPatch, resolving: Resolving): unknown {
  if (at.text !== undefined) {
    if (typeof target !== 'string') return target;
    const whole = at.text.whole;
    if (whole === undefined) return render(at.text, resolving, asText);
    // Shared, not copied: frozen, so that no handler can change an earlier result through it.
    const value = referenced(resolving.results, whole);
    resolving.budget.chargeResolved(resolving.budget.sizeOf(value), resolving.sub);
    return deepFreeze(value);
  }
  if (target === null || typeof target !== 'object' || Array.isArray(target) !== at.array) return target;
  const { keys, patches } = at;
  if (at.array) {
    const copy = (target as unknown[]).slice();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as number;
      copy[key] = patch(copy[key], patches[i] as BodyPatch, resolving);
    }
    return copy;
  }
  const copy = copyRecord(target as Record<string, unknown>);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = patch(copy[key], patches[i] as BodyPatch, resolving);
    // A `__proto__` key (kept as data by the JSON parser) must stay data, never a prototype change.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy;
}

/**
 * A shallow copy of a plain record. Object.assign, not spread: V8 gives spread copies a shape that
 * makes the payload validator several times slower. A `__proto__` key is copied as data.
 */
function copyRecord(source: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(source, '__proto__')) return Object.assign({}, source);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source))
    Object.defineProperty(copy, key, { value: source[key], enumerable: true, writable: true, configurable: true });
  return copy;
}
