import { RestBatchError } from '../../errors/restbatch-error.js';
import type { Headers, SubRequest } from '../../model/canonical.js';
import { isHttpMethod, upperMethod } from '../../model/http-method.js';
import { SYSTEM_RESOURCES } from '../../model/system-resources.js';
import { isReferenceKey } from '../../executor/reference-syntax.js';
import { checkBatchSize } from '../check-batch-size.js';
import type { DecodeContext } from '../dialect.js';
import { parseOdataCondition } from './odata-condition.js';
import { odataAddress } from './odata-url.js';
import { excerpt, quoted } from '../../errors/excerpt.js';

const FIELDS = new Set(['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup', 'if']);
const NO_HEADERS: Headers = Object.freeze(Object.create(null));
/**
 * The id of an ETag reference (§19.3, Protocol §11.7.5): the whole value of `if-match` /
 * `if-none-match` is `$` and a name the engine's references can name (every request id, `~` too:
 * §11.7.3 `request-id = 1*unreserved`); undefined for any other value.
 */
function etagReference(value: string): string | undefined {
  if (value.charCodeAt(0) !== 36) return undefined;
  const name = value.slice(1);
  return isReferenceKey(name) ? name : undefined;
}

/** Where in the batch a problem is: the item's JSON path, and how messages name it (by id once known). */
interface At {
  readonly target: string;
  readonly name: string;
}

function reject(at: At | undefined, reason: string, code: 'BATCH_MALFORMED' | 'BATCH_RULE_VIOLATION' = 'BATCH_MALFORMED'): never {
  throw new RestBatchError(code, `Invalid batch request: ${at === undefined ? '' : `${at.name}: `}${reason}`, {
    details: at === undefined ? undefined : [{ code, message: reason, target: at.target }],
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An atomicity group of the batch so far (see BatchNames). */
interface BatchGroup {
  /** Its name as first written. */
  readonly name: string;
  /** The id of its latest member. */
  last: string;
  /** The index of the latest request whose `dependsOn` names it (-1: none yet). */
  listedBy: number;
}

/**
 * The names of a batch so far, case-insensitively (as Microsoft Graph compares ids): request ids
 * and atomicity groups share one space (§19.1: an id MUST NOT equal any atomicityGroup).
 */
class BatchNames {
  readonly #ids = new Map<string, string>();
  // Each group by lower-cased name: its name as written, the id of its latest member (an ETag reference `$<group>` reads it) and the latest request listing it.
  readonly #groups = new Map<string, BatchGroup>();
  // The group of each request that has one, by lower-cased id: empty for a batch without groups.
  readonly #members = new Map<string, BatchGroup>();

  addId(id: string, where: At): void {
    const key = id.toLowerCase();
    const earlier = this.#ids.get(key);
    if (earlier !== undefined) {
      const spelled = earlier === id ? '' : ` (ids are case-insensitive: ${quoted(earlier)} came first)`;
      reject(where, `Sub-request id ${quoted(id)} is used twice${spelled}`, 'BATCH_RULE_VIOLATION');
    }
    const group = this.#groups.get(key);
    if (group !== undefined) reject(where, `id ${quoted(id)} is the name of atomicity group ${quoted(group.name)}`, 'BATCH_RULE_VIOLATION');
    this.#ids.set(key, id);
  }

  joinGroup(name: string, id: string, where: At): void {
    const key = name.toLowerCase();
    const id2 = this.#ids.get(key);
    if (id2 !== undefined) reject(where, `atomicityGroup ${quoted(name)} is the id of request ${quoted(id2)}`, 'BATCH_RULE_VIOLATION');
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { name, last: id, listedBy: -1 };
      this.#groups.set(key, group);
    } else if (group.name !== name) {
      // The executor groups and rolls back by the exact spelling, which the answer echoes (§19.5): two
      // spellings would be two groups to it and one to `dependsOn`, so neither reading is safe.
      reject(
        where,
        `atomicityGroup ${quoted(name)} differs only in case from group ${quoted(group.name)}; group names are case-insensitive, spell each one way`,
        'BATCH_RULE_VIOLATION',
      );
    } else group.last = id;
    this.#members.set(id.toLowerCase(), group);
  }

  /**
   * Refuses a `dependsOn` that names a request of another atomicity group without naming that group
   * (§19.1 "If a request depends on another request that is part of a different atomicity group,
   * the atomicity group MUST be listed in dependsOn"); `own` is the request's group, whose members
   * it may name alone. Two walks of the list, the first marking the groups it names with the
   * request's index, keep it linear; a batch without groups so far returns at once.
   */
  requireGroupsListed(dependsOn: readonly string[], index: number, own: string | undefined, where: At): void {
    if (this.#members.size === 0) return;
    for (const name of dependsOn) {
      const group = this.#groups.get(name.toLowerCase());
      if (group !== undefined) group.listedBy = index;
    }
    for (const name of dependsOn) {
      const group = this.#members.get(name.toLowerCase());
      if (group === undefined || group.listedBy === index) continue;
      // Its own group in another spelling is refused as such once the request joins it (joinGroup).
      if (own !== undefined && (own === group.name || own.toLowerCase() === group.name.toLowerCase())) continue;
      reject(
        where,
        `dependsOn names ${quoted(name)}, a request of atomicity group ${quoted(group.name)}; a request outside that group must list the group in dependsOn too`,
        'BATCH_RULE_VIOLATION',
      );
    }
  }

  /** The key an ETag reference `$<name>` stands for (§19.3), or undefined when no earlier request or group has that name. */
  known(name: string): string | undefined {
    const key = name.toLowerCase();
    return this.#groups.get(key)?.last ?? this.#ids.get(key);
  }

  /** The id as declared of an earlier request named `name` in any case; undefined when none is. */
  declared(name: string): string | undefined {
    return this.#ids.get(name.toLowerCase());
  }

  /**
   * The key a dependency on `name` stands for: a group's name as written (the executor meets it when
   * every member answered 2xx; one name, not the member list, keeps the batch linear), a request's
   * id as declared, or `name` itself (the executor then rejects it as no earlier sub-request).
   */
  resolve(name: string): string {
    const key = name.toLowerCase();
    return this.#groups.get(key)?.name ?? this.#ids.get(key) ?? name;
  }
}

/**
 * A URL's `$<id>` first segment (§19.1) with the id as its request declared it: ids are
 * case-insensitive (see BatchNames), and the engine finds the request by its id as written.
 * A system resource's name (`$metadata`) and a name no earlier request has stay as they are.
 */
function withDeclaredId(path: string, names: BatchNames): string {
  if (path.charCodeAt(1) !== 36) return path;
  const end = path.indexOf('/', 2);
  const key = end < 0 ? path.slice(2) : path.slice(2, end);
  if (SYSTEM_RESOURCES.has(`$${key}`)) return path;
  const declared = names.declared(key);
  return declared === undefined || declared === key ? path : `/$${declared}${end < 0 ? '' : path.slice(end)}`;
}

/** An ETag reference `$<name>` that named no earlier request when its request was read: checked once all are read. */
interface LaterEtag {
  readonly id: string;
  readonly index: number;
  readonly raw: string;
}

function decodeHeaders(
  value: unknown,
  where: At,
  names: BatchNames,
  literal: boolean,
  later: LaterEtag[],
  sub: { id: string; index: number },
): Headers {
  if (value === undefined) return NO_HEADERS;
  if (!isObject(value)) reject(where, 'headers must be an object of header names to string values');
  const headers: Headers = Object.create(null);
  for (const name of Object.keys(value)) {
    const v = value[name];
    if (typeof v !== 'string') reject(where, `header ${quoted(name)} must have a string value`);
    const lower = name.toLowerCase();
    // §19.1 "the headers object MUST NOT contain name/value pairs with duplicate names": header names
    // are case-insensitive, so `If-Match` next to `if-match` is one header twice, and keeping either
    // would silently drop the other (an ETag reference among them).
    if (lower in headers) {
      const earlier = Object.keys(value).find((other) => other !== name && other.toLowerCase() === lower);
      reject(
        where,
        `headers ${quoted(earlier)} and ${quoted(name)} name the same header (header names are case-insensitive); send it once`,
      );
    }
    // Under `RestBatch-References: none` the text is as written: no reference is made of it.
    const etag = !literal && (lower === 'if-match' || lower === 'if-none-match') ? etagReference(v) : undefined;
    // §19.3: `$1` is the ETag of request 1's result, read as the engine's reference to its header.
    // A `$<name>` that names no earlier request stays as written (as a `$` URL segment that names none
    // does), unless a later request or group has that name; one naming its own request is refused
    // too, in the client's words (see refuseLaterEtags).
    let key = etag === undefined ? undefined : names.known(etag);
    if (key === sub.id) key = undefined;
    if (etag !== undefined && key === undefined) later.push({ id: sub.id, index: sub.index, raw: v });
    headers[lower] = key === undefined ? v : `\${${key}/headers/etag}`;
  }
  return headers;
}

function decodeItem(
  item: unknown,
  index: number,
  names: BatchNames,
  context: DecodeContext,
  literal: boolean,
  later: LaterEtag[],
): SubRequest {
  const target = `requests/${index}`;
  let where: At = { target, name: target };
  if (!isObject(item)) reject(where, 'each request must be an object {id, method, url, headers, body, dependsOn, atomicityGroup, if}');
  const { id, method, atomicityGroup, dependsOn } = item;
  if (typeof id !== 'string' || id === '') reject(where, 'id is required: a non-empty string unique in the batch');
  // Messages name the request by its id from here on.
  where = { target, name: `request ${quoted(id)}` };
  for (const key of Object.keys(item)) if (!FIELDS.has(key)) reject(where, `unknown field ${quoted(key)}`);
  names.addId(id, where);
  // ASCII letters only: `toUpperCase` also makes `POST` of `poﬆ`, which no client means.
  const upper = typeof method === 'string' ? upperMethod(method) : '';
  if (!isHttpMethod(upper)) reject(where, `method must be one of GET, POST, PUT, PATCH, DELETE, not ${quoted(method ?? null)}`);
  if (typeof item.url !== 'string' || item.url === '')
    reject(where, 'url is required: a path such as "claims/cc:22" or "/rest/claim/v1/claims/cc:22"');
  const address = odataAddress(item.url, context.base, context.headers.host);
  const sub: SubRequest =
    address.outside === undefined
      ? {
          index,
          id,
          method: upper,
          // Under `RestBatch-References: none` the path is as written (no reference is read in it).
          path: literal ? address.path : withDeclaredId(address.path, names),
          query: address.query,
          headers: decodeHeaders(item.headers, where, names, literal, later, { id, index }),
        }
      : {
          index,
          id,
          method: upper,
          path: '/',
          query: {},
          headers: NO_HEADERS,
          fault: { code: 'URL_OUTSIDE_API', message: `Request ${quoted(id)}: ${address.outside}` },
        };
  if (Object.hasOwn(item, 'body') && item.body !== null) sub.body = item.body;
  if (atomicityGroup !== undefined) {
    if (typeof atomicityGroup !== 'string' || atomicityGroup === '') reject(where, 'atomicityGroup must be a non-empty string');
    sub.atomicityGroup = atomicityGroup;
  }
  // §19.1: dependsOn and if name "preceding request objects": never the request's own group.
  const dependency = (name: string): string => {
    if (sub.atomicityGroup !== undefined && name.toLowerCase() === sub.atomicityGroup.toLowerCase()) {
      reject(
        where,
        `${quoted(name)} is this request's own atomicity group; dependsOn and if may name only preceding requests and groups`,
        'BATCH_RULE_VIOLATION',
      );
    }
    return names.resolve(name);
  };
  let deps: string[] | undefined;
  if (dependsOn !== undefined) {
    if (!Array.isArray(dependsOn)) reject(where, 'dependsOn must be an array of request ids');
    deps = new Array<string>(dependsOn.length);
    for (let k = 0; k < dependsOn.length; k++) {
      const dep: unknown = dependsOn[k];
      if (typeof dep !== 'string') reject(where, 'dependsOn must be an array of request ids');
      // A dependency on an atomicity group is one on each of its members (§19.1): the group's name
      // goes to the executor, which checks every member.
      deps[k] = dependency(dep);
    }
    // Only the names the client wrote in dependsOn: what `if` names is read there, not listed.
    names.requireGroupsListed(dependsOn as string[], index, sub.atomicityGroup, where);
  }
  if (item.if !== undefined) {
    if (typeof item.if !== 'string') reject(where, 'if must be a string: a condition such as "$1/$succeeded"');
    const condition = parseOdataCondition(item.if, dependency);
    if (condition.unsupported !== undefined) {
      sub.fault ??= { code: 'CONDITION_UNSUPPORTED', message: `Request ${quoted(id)}: ${condition.unsupported}` };
    } else {
      sub.condition = condition.terms;
      // The condition reads the outcome of what it names: those are dependencies too (checked backwards-only).
      deps ??= [];
      // A set of what is there: `includes` per term made the terms times the dependencies.
      const known = new Set(deps);
      for (const term of condition.terms) {
        if (known.has(term.key)) continue;
        known.add(term.key);
        deps.push(term.key);
      }
    }
  }
  if (deps !== undefined) sub.dependsOn = deps;
  if (sub.atomicityGroup !== undefined) names.joinGroup(sub.atomicityGroup, id, where);
  return sub;
}

/**
 * Decodes the `requests` of an OData JSON batch (OData JSON 4.01 §19.1) into canonical
 * sub-requests, in time linear in the input: the items are counted against `maxSubRequests`
 * before any is read. Instance annotations of the batch (`@Core.Description`) are ignored.
 * Shapes and names are checked here; backward-only `dependsOn` and contiguous groups by the executor.
 */
export function decodeOdataBatch(body: unknown, context: DecodeContext): SubRequest[] {
  if (!isObject(body)) reject(undefined, 'the body must be an object {"requests": [...]}');
  for (const key of Object.keys(body)) {
    if (key !== 'requests' && !key.startsWith('@'))
      reject(undefined, `unknown field ${quoted(key)}; the batch holds only "requests" and annotations`);
  }
  const requests = body.requests;
  if (!Array.isArray(requests)) reject(undefined, 'requests must be an array');
  checkBatchSize(requests.length, context.maxSubRequests);
  const names = new BatchNames();
  const subs = new Array<SubRequest>(requests.length);
  // Under `RestBatch-References: none` its ETag `$<id>` headers are text as written.
  const literal = context.referencesOff === true;
  const later: LaterEtag[] = [];
  for (let i = 0; i < requests.length; i++) subs[i] = decodeItem(requests[i], i, names, context, literal, later);
  refuseLaterEtags(later, names);
  return subs;
}

/**
 * Refuses an ETag reference to a request (or group) that comes later, as a URL's `$<id>` to one is
 * refused (400 `REFERENCE_INVALID`): Protocol §11.7.5 "The ETag for a previous operation can be
 * referenced", JSON §19.1 "forward references are not allowed". Sent as text, it only made the
 * request fail its precondition (412) for a reason the client could not see. A `$<name>` that names
 * no request of the batch at all stays as written, as a URL's `$<name>` segment does.
 */
function refuseLaterEtags(later: readonly LaterEtag[], names: BatchNames): void {
  for (const ref of later) {
    if (names.known(ref.raw.slice(1)) === undefined) continue;
    throw new RestBatchError(
      'REFERENCE_INVALID',
      `Sub-request ${excerpt(ref.id)}: reference ${excerpt(ref.raw)} names no earlier sub-request; references point backwards only`,
      { details: { index: ref.index, reference: ref.raw } },
    );
  }
}
