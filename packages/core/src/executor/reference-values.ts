import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest, SubResult } from '../model/canonical.js';
import type { BoundReference } from './compile-references.js';
import { excerpt, quoted } from '../errors/excerpt.js';
import { subRequestName } from './sub-request-name.js';

// Segments that would reach an object's prototype; they resolve to nothing, whatever the object holds.
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Walks a reference's JSON pointer over `{status, headers, body}` of a result, through own
 * properties only (header names were lowered when the reference was bound).
 */
export function pointAt(result: SubResult, ref: BoundReference): unknown {
  const pointer = ref.pointer;
  const first = pointer[0];
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
  for (let i = 1; i < pointer.length && current !== undefined; i++) {
    const segment = pointer[i] as string;
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
      `Reference ${excerpt(ref.raw)} resolves to nothing: the result of sub-request ${excerpt(ref.key)} has no such value`,
    );
  }
  return current;
}

/** A value placed inside a string, query parameter or header: a string, number or boolean as text. */
export function asText(value: unknown, ref: BoundReference): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RestBatchError(
    'REFERENCE_INVALID',
    `Reference ${excerpt(ref.raw)} is not a string, number or boolean, so it cannot be placed inside a string`,
  );
}

/** One path segment: `/` and every other reserved character percent-encoded, dot segments refused. */
export function encodeSegment(value: unknown, ref: BoundReference): string {
  const given = asText(value, ref);
  const text = unreserved(given) ? given : encodeURIComponent(given);
  if (text === '' || text === '.' || text === '..') {
    throw new RestBatchError('REFERENCE_INVALID', `Reference ${excerpt(ref.raw)} is ${quoted(text)}, which would change the path's shape`);
  }
  return text;
}

/** Whether every character is one encodeURIComponent keeps (letters, digits, `-`, `_`, `.`, `~`): most ids are. */
function unreserved(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 46 || c === 126))
      return false;
  }
  return true;
}

/**
 * Where an earlier result lives, below the API base: its `Location` header; else, for a POST, its
 * path plus the id its body names (`id`, `Id`, or `data.id`); else its own path.
 */
export function locationOf(request: SubRequest, result: SubResult, base: string): string {
  const given = result.headers.location;
  if (given !== undefined) {
    const location = String(given);
    // A relative Location is resolved against the request's URL (RFC 9110 §10.2.2): `Customers('ALFKI')`
    // after a POST to `/service/Customers` is `/service/Customers('ALFKI')` (OData Protocol §11.7.7).
    // An absolute one is reduced to its path, less the API base; a path outside the base is read as
    // one below it (a handler does not know the base its API is mounted at).
    let path: string | undefined;
    try {
      path = new URL(location, `http://restbatch.invalid${base}${request.path}`).pathname;
    } catch {
      path = undefined;
    }
    if (path === undefined)
      throw new RestBatchError(
        'REFERENCE_INVALID',
        `Reference $${subRequestName(request.id, request.index)}: its Location ${quoted(location)} is not a URL`,
      );
    return base !== '' && path.startsWith(`${base}/`) ? path.slice(base.length) : path;
  }
  if (request.method === 'POST') {
    const id = ownId(result.body) ?? ownId(own(result.body, 'data'));
    if (id !== undefined) {
      const raw = `$${request.id ?? request.index}`;
      return `${request.path}/${encodeSegment(id, { key: '', pointer: [], raw, target: request.index })}`;
    }
  }
  return request.path;
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
