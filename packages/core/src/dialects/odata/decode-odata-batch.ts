import { parseUrl } from '../../engine/parse-url.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import type { Headers, SubRequest } from '../../model/canonical.js';
import { isHttpMethod } from '../../model/http-method.js';
import { checkBatchSize } from '../check-batch-size.js';

const FIELDS = new Set(['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup']);
const NO_HEADERS: Headers = Object.freeze(Object.create(null));

function reject(index: number | undefined, reason: string): never {
  const where = index === undefined ? '' : `requests/${index}: `;
  throw new RestBatchError('BATCH_MALFORMED', `Invalid batch request: ${where}${reason}`, {
    details: index === undefined ? undefined : [{ code: 'BATCH_MALFORMED', message: reason, target: `requests/${index}` }],
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function decodeHeaders(value: unknown, index: number): Headers {
  if (value === undefined) return NO_HEADERS;
  if (!isObject(value)) reject(index, 'headers must be an object of header names to string values');
  const headers: Headers = Object.create(null);
  for (const name of Object.keys(value)) {
    const v = value[name];
    if (typeof v !== 'string') reject(index, `header ${JSON.stringify(name)} must have a string value`);
    headers[name.toLowerCase()] = v;
  }
  return headers;
}

function decodeUrl(value: unknown, index: number): { path: string; query: SubRequest['query'] } {
  if (typeof value !== 'string' || value === '') reject(index, 'url is required: a path relative to the API, such as "/claims/cc:22"');
  // Relative URLs only: a sub-request can never leave the API it was sent to.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('//')) reject(index, 'url must be relative to the API, not absolute');
  return parseUrl(value.startsWith('/') ? value : `/${value}`);
}

/** Each atomicity group seen so far, by name: the id of its latest member. */
type GroupEnds = Map<string, string>;

function decodeItem(item: unknown, index: number, groups: GroupEnds): SubRequest {
  if (!isObject(item)) reject(index, 'each request must be an object {id, method, url, headers, body, dependsOn, atomicityGroup}');
  for (const key of Object.keys(item)) if (!FIELDS.has(key)) reject(index, `unknown field ${JSON.stringify(key)}`);
  const { id, method, atomicityGroup, dependsOn } = item;
  if (typeof id !== 'string' || id === '') reject(index, 'id is required: a non-empty string unique in the batch');
  const upper = typeof method === 'string' ? method.toUpperCase() : '';
  if (!isHttpMethod(upper)) reject(index, `method must be one of GET, POST, PUT, PATCH, DELETE, not ${JSON.stringify(method ?? null)}`);
  const { path, query } = decodeUrl(item.url, index);
  const sub: SubRequest = { index, id, method: upper, path, query, headers: decodeHeaders(item.headers, index) };
  if (Object.hasOwn(item, 'body')) sub.body = item.body;
  if (atomicityGroup !== undefined) {
    if (typeof atomicityGroup !== 'string' || atomicityGroup === '') reject(index, 'atomicityGroup must be a non-empty string');
    sub.atomicityGroup = atomicityGroup;
  }
  if (dependsOn !== undefined) {
    if (!Array.isArray(dependsOn)) reject(index, 'dependsOn must be an array of request ids');
    const deps = new Array<string>(dependsOn.length);
    for (let k = 0; k < dependsOn.length; k++) {
      const dep: unknown = dependsOn[k];
      if (typeof dep !== 'string') reject(index, 'dependsOn must be an array of request ids');
      // A dependency on an atomicity group is one on each of its members (OData 4.01). A group succeeds
      // or fails as one: when any member fails, the executor fails every later one too, so the latest
      // member stands for the group. One id, not the member list: the batch stays linear in its input.
      deps[k] = groups.get(dep) ?? dep;
    }
    sub.dependsOn = deps;
  }
  if (sub.atomicityGroup !== undefined) groups.set(sub.atomicityGroup, id);
  return sub;
}

/**
 * Decodes the `requests` of an OData JSON batch into canonical sub-requests, in time linear in the
 * input: the items are counted against `maxSubRequests` before any is read. Shapes are checked
 * here; batch-wide rules (unique ids, backward-only `dependsOn`, contiguous groups) by the executor.
 */
export function decodeOdataBatch(body: unknown, maxSubRequests: number): SubRequest[] {
  if (!isObject(body)) reject(undefined, 'the body must be an object {"requests": [...]}');
  for (const key of Object.keys(body))
    if (key !== 'requests') reject(undefined, `unknown field ${JSON.stringify(key)}; the batch holds only "requests"`);
  const requests = body.requests;
  if (!Array.isArray(requests)) reject(undefined, 'requests must be an array');
  checkBatchSize(requests.length, maxSubRequests);
  const groups: GroupEnds = new Map();
  const subs = new Array<SubRequest>(requests.length);
  for (let i = 0; i < requests.length; i++) subs[i] = decodeItem(requests[i], i, groups);
  return subs;
}
