import { RestBatchError } from '../errors/restbatch-error.js';
import type { Headers, Query, SubRequest, SubResult } from '../model/canonical.js';
import { parseTemplate, type Reference, type Template } from './reference-syntax.js';

/** An earlier sub-request and its result, as a reference finds them. */
export interface Referenced {
  readonly request: SubRequest;
  readonly result: SubResult;
}

/** Finds the earlier sub-request a reference names; throws when it names none or did not succeed. */
export type ReferenceLookup = (ref: Reference) => Referenced;

// Segments that would reach an object's prototype; they resolve to nothing, whatever the object holds.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Calls `visit` on each reference a sub-request holds in its path, query, headers and payload,
 * and says whether it holds any reference or escape at all (then it must be resolved before it runs).
 */
export function scanReferences(sub: SubRequest, visit: (ref: Reference) => void): boolean {
  let found = false;
  const scan = (value: unknown): void => {
    if (typeof value === 'string') {
      const template = parseTemplate(value);
      if (template === undefined) return;
      found = true;
      if ('whole' in template) visit(template.whole);
      else for (const part of template.parts) if (typeof part !== 'string') visit(part);
    } else if (Array.isArray(value)) {
      for (const item of value) scan(item);
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) scan((value as Record<string, unknown>)[key]);
    }
  };
  scan(sub.path);
  scan(sub.query);
  scan(sub.headers);
  scan(sub.body);
  return found;
}

/** The `$<id>` first segment of an OData-style path (`/$1/notes`), or undefined. */
export function nativeKey(path: string): string | undefined {
  if (path.charCodeAt(1) !== 36 || path.charCodeAt(2) === 36 || path.charCodeAt(2) === 123) return undefined;
  const end = path.indexOf('/', 2);
  const key = end < 0 ? path.slice(2) : path.slice(2, end);
  return key === '' ? undefined : key;
}

/**
 * Returns `sub` with every reference replaced by the value it points at. A value placed in the
 * path is percent-encoded as one segment; a value inside a string must be a scalar.
 */
export function resolveReferences(sub: SubRequest, lookup: ReferenceLookup, native: string | undefined, base: string): SubRequest {
  let path = sub.path;
  if (native !== undefined) {
    const rest = path.slice(2 + native.length);
    path = `${locationOf(lookup({ key: native, pointer: [], raw: `$${native}` }), base)}${rest}`;
  }
  path = resolveString(path, lookup, encodeSegment);
  const query = resolveRecord(sub.query, lookup) as Query;
  const headers = resolveRecord(sub.headers, lookup) as Headers;
  const body = resolveValue(sub.body, lookup);
  return { ...sub, path, query, headers, body };
}

function resolveString(text: string, lookup: ReferenceLookup, place: (value: unknown, ref: Reference) => string): string {
  const template = parseTemplate(text);
  if (template === undefined) return text;
  const parts = 'whole' in template ? [template.whole] : template.parts;
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : place(pointAt(lookup(part), part), part);
  return out;
}

/** Query parameters and headers: text only, so a whole-value reference becomes its text. */
function resolveRecord(record: Query | Headers, lookup: ReferenceLookup): Query | Headers {
  const out: Query = Object.create(null);
  for (const name of Object.keys(record)) {
    const value = record[name] as string | string[];
    out[name] = Array.isArray(value) ? value.map((v) => resolveString(v, lookup, asText)) : resolveString(value, lookup, asText);
  }
  return out;
}

function resolveValue(value: unknown, lookup: ReferenceLookup): unknown {
  if (typeof value === 'string') {
    const template: Template | undefined = parseTemplate(value);
    if (template === undefined) return value;
    if ('whole' in template) return cloneJson(pointAt(lookup(template.whole), template.whole));
    return resolveString(value, lookup, asText);
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, lookup));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(Object.getPrototypeOf(value));
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, { value: resolveValue((value as Record<string, unknown>)[key], lookup), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Walks a JSON pointer over `{status, headers, body}` through own properties only. */
function pointAt(target: Referenced, ref: Reference): unknown {
  const { result } = target;
  let current: unknown = { status: result.status, headers: result.headers, body: result.body };
  for (let i = 0; i < ref.pointer.length; i++) {
    // Header names are lower case; a pointer may spell them as the client likes.
    const segment = i === 1 && ref.pointer[0] === 'headers' ? (ref.pointer[i] as string).toLowerCase() : (ref.pointer[i] as string);
    if (Array.isArray(current)) {
      current = INDEX.test(segment) && Number(segment) < current.length ? current[Number(segment)] : undefined;
    } else if (current !== null && typeof current === 'object' && !FORBIDDEN.has(segment) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      current = undefined;
    }
    if (current === undefined) break;
  }
  if (current === undefined) {
    throw new RestBatchError('REFERENCE_INVALID', `Reference ${ref.raw} resolves to nothing: the result of sub-request ${ref.key} has no such value`);
  }
  return current;
}

function asText(value: unknown, ref: Reference): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RestBatchError('REFERENCE_INVALID', `Reference ${ref.raw} is not a string, number or boolean, so it cannot be placed inside a string`);
}

/** One path segment: `/` and every other reserved character percent-encoded, dot segments refused. */
function encodeSegment(value: unknown, ref: Reference): string {
  const text = encodeURIComponent(asText(value, ref));
  if (text === '' || text === '.' || text === '..') {
    throw new RestBatchError('REFERENCE_INVALID', `Reference ${ref.raw} is ${JSON.stringify(text)}, which would change the path's shape`);
  }
  return text;
}

/** Where an earlier result lives, below the API base: its Location, else its path plus its body's id. */
function locationOf(target: Referenced, base: string): string {
  const location = target.result.headers.location;
  if (location !== undefined) {
    let path = location.includes('://') ? new URL(location).pathname : (location.split('?', 1)[0] as string);
    if (base !== '' && path.startsWith(`${base}/`)) path = path.slice(base.length);
    if (path.startsWith('/')) return path;
  }
  const body = target.result.body;
  if (target.request.method === 'POST' && body !== null && typeof body === 'object') {
    for (const name of ['id', 'Id']) {
      const id = Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
      if (typeof id === 'string' || typeof id === 'number') return `${target.request.path}/${encodeSegment(id, { key: '', pointer: [], raw: `$${name}` })}`;
    }
  }
  return target.request.path;
}

function cloneJson(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
}
