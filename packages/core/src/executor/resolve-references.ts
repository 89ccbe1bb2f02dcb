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

/** Parses a string's references ({@link parseTemplate}, or a cache of what the pre-pass parsed). */
export type TemplateParser = (text: string) => Template | undefined;

// Segments that would reach an object's prototype; they resolve to nothing, whatever the object holds.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Calls `visit` on each reference a sub-request holds in its path, query, headers and payload,
 * and says whether it holds any reference or escape at all (then it must be resolved before it runs).
 */
export function scanReferences(sub: SubRequest, visit: (ref: Reference) => void, parse: TemplateParser = parseTemplate): boolean {
  let found = false;
  const scan = (value: unknown): void => {
    if (typeof value === 'string') {
      const template = parse(value);
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
export function resolveReferences(
  sub: SubRequest,
  lookup: ReferenceLookup,
  native: string | undefined,
  base: string,
  parse: TemplateParser = parseTemplate,
): SubRequest {
  const r = new Resolver(lookup, parse);
  let path = sub.path;
  if (native !== undefined) {
    const rest = path.slice(2 + native.length);
    path = `${locationOf(lookup({ key: native, pointer: [], raw: `$${native}` }), base)}${rest}`;
  }
  path = r.string(path, encodeSegment);
  const query = r.record(sub.query) as Query;
  const headers = r.record(sub.headers) as Headers;
  const body = r.value(sub.body);
  if (path === sub.path && query === sub.query && headers === sub.headers && body === sub.body) return sub;
  return { ...sub, path, query, headers, body };
}

/** Replaces references in strings, records and JSON values, copying only what changes. */
class Resolver {
  constructor(
    private readonly lookup: ReferenceLookup,
    private readonly parse: TemplateParser,
  ) {}

  string(text: string, place: (value: unknown, ref: Reference) => string): string {
    const template = this.parse(text);
    if (template === undefined) return text;
    const parts = 'whole' in template ? [template.whole] : template.parts;
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : place(pointAt(this.lookup(part), part), part);
    return out;
  }

  /** Query parameters and headers: text only, so a whole-value reference becomes its text. */
  record(record: Query | Headers): Query | Headers {
    let out: Query | undefined;
    for (const name of Object.keys(record)) {
      const value = record[name] as string | string[];
      const resolved = Array.isArray(value) ? value.map((v) => this.string(v, asText)) : this.string(value, asText);
      if (resolved === value || (Array.isArray(value) && (resolved as string[]).every((v, i) => v === value[i]))) continue;
      out ??= Object.assign(Object.create(null), record) as Query;
      out[name] = resolved;
    }
    return out ?? record;
  }

  value(value: unknown): unknown {
    if (typeof value === 'string') {
      const template = this.parse(value);
      if (template === undefined) return value;
      if ('whole' in template) return cloneJson(pointAt(this.lookup(template.whole), template.whole));
      return this.string(value, asText);
    }
    if (value === null || typeof value !== 'object') return value;
    // Copy on write: only the objects and arrays on the way to a reference are copied.
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = this.value(value[i]);
        if (item === value[i]) continue;
        copy ??= value.slice();
        copy[i] = item;
      }
      return copy ?? value;
    }
    const record = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(record)) {
      const item = this.value(record[key]);
      if (item === record[key]) continue;
      copy ??= { ...record };
      // A `__proto__` key (kept as data by the JSON parser) must stay data, never a prototype change.
      if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
      else copy[key] = item;
    }
    return copy ?? value;
  }
}

/** Walks a JSON pointer over `{status, headers, body}` through own properties only. */
function pointAt(target: Referenced, ref: Reference): unknown {
  const { result } = target;
  const first = ref.pointer[0];
  let current: unknown =
    first === 'body'
      ? result.body
      : first === 'status'
        ? result.status
        : first === 'headers'
          ? result.headers
          : first === undefined
            ? { status: result.status, headers: result.headers, body: result.body }
            : undefined;
  for (let i = 1; i < ref.pointer.length && current !== undefined; i++) {
    // Header names are lower case; a pointer may spell them as the client likes.
    const segment = i === 1 && ref.pointer[0] === 'headers' ? (ref.pointer[i] as string).toLowerCase() : (ref.pointer[i] as string);
    if (Array.isArray(current)) {
      current = INDEX.test(segment) && Number(segment) < current.length ? current[Number(segment)] : undefined;
    } else if (current !== null && typeof current === 'object' && !FORBIDDEN.has(segment) && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      current = undefined;
    }
  }
  if (current === undefined) {
    throw new RestBatchError(
      'REFERENCE_INVALID',
      `Reference ${ref.raw} resolves to nothing: the result of sub-request ${ref.key} has no such value`,
    );
  }
  return current;
}

function asText(value: unknown, ref: Reference): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RestBatchError(
    'REFERENCE_INVALID',
    `Reference ${ref.raw} is not a string, number or boolean, so it cannot be placed inside a string`,
  );
}

/** One path segment: `/` and every other reserved character percent-encoded, dot segments refused. */
function encodeSegment(value: unknown, ref: Reference): string {
  const text = encodeURIComponent(asText(value, ref));
  if (text === '' || text === '.' || text === '..') {
    throw new RestBatchError('REFERENCE_INVALID', `Reference ${ref.raw} is ${JSON.stringify(text)}, which would change the path's shape`);
  }
  return text;
}

/**
 * Where an earlier result lives, below the API base: its `Location` header; else, for a POST, its
 * path plus the id its body names (`id`, `Id`, or `data.id`); else its own path.
 */
function locationOf(target: Referenced, base: string): string {
  const location = target.result.headers.location;
  if (location !== undefined) {
    let path = location.includes('://') ? new URL(location).pathname : (location.split('?', 1)[0] as string);
    if (base !== '' && path.startsWith(`${base}/`)) path = path.slice(base.length);
    if (path.startsWith('/')) return path;
  }
  if (target.request.method === 'POST') {
    const id = ownId(target.result.body) ?? ownId(own(target.result.body, 'data'));
    if (id !== undefined)
      return `${target.request.path}/${encodeSegment(id, { key: '', pointer: [], raw: `$${target.request.id ?? target.request.index}` })}`;
  }
  return target.request.path;
}

/** The `id` (or `Id`) a created entity's body names itself by. */
function ownId(body: unknown): string | number | undefined {
  for (const name of ['id', 'Id']) {
    const id = own(body, name);
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return undefined;
}

function own(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, name)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function cloneJson(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
}
