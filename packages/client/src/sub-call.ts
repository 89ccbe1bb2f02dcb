import type { Endpoint } from './batch-runner.js';
import { NONE, type SubCall } from './client-dialect.js';
import { ClientError } from './client-error.js';
import type { Method } from './client-types.js';

/** What a call's init holds at run time, whatever its types said. */
export interface LooseInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown> };
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  batch?: false;
}

/** A path template split once per client, with the endpoint its calls batch under once the client knows it. */
export interface Template {
  /** Text and parameter names alternate: `/rest/Roles/{id}` is `['/rest/Roles/', 'id', '']`. */
  readonly parts: readonly string[];
  /**
   * The endpoint of every path the template makes (null: none), when its fixed start decides it
   * (a parameter only after every base); undefined until a call worked it out, or when it cannot.
   */
  endpoint?: Endpoint | null;
  /** With `endpoint`: the parts below its base (`['Roles/', 'id', '']`), so a batched call's Url is made once, as the envelope carries it. */
  below?: readonly string[];
  /** The text of the only path parameter of the last call filled below the base (see {@link fillBelow}), and its path there. */
  lastText: string | undefined;
  lastTarget: string;
}

/** Path templates a client was called with, by template (at most {@link MAX_TEMPLATES}). */
export type TemplateCache = Map<string, Template>;

/**
 * Most templates a client keeps: a caller that builds its paths itself (ids in them) passes a new
 * "template" each call; the map is then emptied when full, so it costs O(1) per call and bounded memory.
 */
export const MAX_TEMPLATES = 1024;

/** Fills a path template (`/rest/Roles/{id}`) and flattens the init into a {@link SubCall}. */
export function toSubCall(
  method: Method,
  template: string,
  init: LooseInit | undefined,
  templates: TemplateCache,
  encode: SegmentEncoder = encodeSegment,
): SubCall {
  return {
    method,
    path: callPath(method, template, init, templates, encode),
    query: callQuery(method, template, init),
    headers: callHeaders(method, template, init),
    body: init?.body,
  };
}

/** The call's full path: the template with its path parameters filled in (throws INVALID_CALL). */
export function callPath(
  method: Method,
  template: string,
  init: LooseInit | undefined,
  templates: TemplateCache,
  encode: SegmentEncoder = encodeSegment,
): string {
  // A template split before was checked then: the usual call is one lookup, with no scan of the template.
  const known = templates.get(template);
  if (known !== undefined) return fill(method, template, known.parts, init?.params?.path, encode);
  if (typeof template !== 'string' || template.charCodeAt(0) !== 47)
    throw new ClientError('INVALID_CALL', `${method} ${String(template)}: a path must be a string that starts with /`);
  return fill(method, template, split(template, templates), init?.params?.path, encode);
}

/** Whether `value` is an AbortSignal (a JavaScript caller may pass anything). */
export function isSignal(value: unknown): value is AbortSignal {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

/** The call's signal, checked (throws INVALID_CALL for what is not an AbortSignal). */
export function callSignal(method: Method, template: string, init: LooseInit | undefined): AbortSignal | undefined {
  const signal = init?.signal;
  if (signal === undefined || isSignal(signal)) return signal;
  throw new ClientError('INVALID_CALL', `${method} ${template}: signal must be an AbortSignal`);
}

/** Writes one path parameter's text into a path. */
export type SegmentEncoder = (text: string) => string;

/** The call's query as strings, without the undefined members ({@link NONE} when there is none; throws INVALID_CALL). */
export function callQuery(method: Method, template: string, init: LooseInit | undefined): Record<string, string> {
  let query = NONE;
  const given = init?.params?.query;
  if (given === undefined || given === null) return query;
  if (typeof given !== 'object') throw new ClientError('INVALID_CALL', `${method} ${template}: params.query must be an object`);
  for (const name in given) {
    const value = given[name];
    // Left out, as openapi-fetch leaves out undefined and null.
    if (value === undefined || value === null) continue;
    if (typeof value === 'object' && !Array.isArray(value))
      throw new ClientError(
        'INVALID_CALL',
        `${method} ${template}: query parameter ${name} is an object; a query value is text, a number or a boolean`,
      );
    if (query === NONE) query = {};
    query[name] = String(value);
  }
  return query;
}

/**
 * The call's own headers as strings, without the undefined members, as its query ({@link NONE} when
 * it has none; throws INVALID_CALL): a batch item's header that is not a string would make the
 * server refuse the whole batch, where the call made alone sends it as text.
 */
export function callHeaders(method: Method, template: string, init: LooseInit | undefined): Record<string, string> {
  const given = init?.headers as Record<string, unknown> | null | undefined;
  if (given === undefined) return NONE;
  if (given === null || typeof given !== 'object')
    throw new ClientError('INVALID_CALL', `${method} ${template}: headers must be an object`);
  let headers = NONE;
  for (const name in given) {
    const value = given[name];
    if (value === undefined) continue;
    // What no transport can send (fetch throws, a batch envelope is refused whole): the caller's error.
    if (!HEADER_NAME.test(name))
      throw new ClientError(
        'INVALID_CALL',
        `${method} ${template}: ${JSON.stringify(name)} is not a header name (RFC 9110 token characters)`,
      );
    const text = typeof value === 'string' ? value : String(value);
    if (BAD_HEADER_VALUE.test(text))
      throw new ClientError(
        'INVALID_CALL',
        `${method} ${template}: header ${name} holds a control character (a line break, NUL, ...), which no server takes in a header (only tab is allowed)`,
      );
    if (headers === NONE) headers = {};
    headers[name] = text;
  }
  return headers;
}

/** RFC 9110 §5.1: a field name is a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * RFC 9110 §5.5: CR, LF and NUL are never valid in a field value, and node:http's parser refuses
 * every other control character but tab too (a bare 400 with no body, over HTTP).
 */
const BAD_HEADER_VALUE = /[\0-\x08\n-\x1f\x7f]/;

/** The same text, interned (as a property key is): compared with another interned string by identity. */
export function internal(text: string): string {
  return Object.keys({ [text]: 0 })[0] as string;
}

/** Splits a template once and keeps its parts (a path without parameters is its only part). */
function split(template: string, templates: TemplateCache): readonly string[] {
  // Parameter names as property keys (interned): reading `params[name]` then needs no string-table lookup per call.
  const parts = template.includes('{') ? template.split(/\{([^}]+)\}/).map((part, i) => (i % 2 === 1 ? internal(part) : part)) : [template];
  if (templates.size >= MAX_TEMPLATES) templates.clear();
  templates.set(template, { parts, endpoint: undefined, below: undefined, lastText: undefined, lastTarget: '' });
  return parts;
}

/**
 * A batched call's path below its endpoint's base (`known.below` filled). Calls in a row often name
 * the same resource (create it, then change, read or delete it): a template of one parameter keeps
 * the path of the last text it was filled with and answers that same string again, so the batch
 * holds one string for those calls, flattened and hashed once where it is read.
 */
export function fillBelow(method: Method, template: string, known: Template, params: Record<string, unknown> | undefined): string {
  const below = known.below as readonly string[];
  if (below.length !== 3) return fill(method, template, below, params);
  const value = params?.[below[1] as string];
  if (typeof value === 'string' && value === known.lastText) return known.lastTarget;
  const target = fill(method, template, below, params);
  if (typeof value === 'string') {
    known.lastText = value;
    known.lastTarget = target;
  }
  return target;
}

/** The template's parts filled with the call's path parameters (throws INVALID_CALL when one is missing). */
export function fill(
  method: Method,
  template: string,
  parts: readonly string[],
  params: Record<string, unknown> | undefined,
  encode: SegmentEncoder = encodeSegment,
): string {
  let path = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = params?.[name];
    if (value === undefined || value === null || value === '')
      throw new ClientError('INVALID_CALL', `${method} ${template}: path parameter ${name} is missing`);
    const text = typeof value === 'string' ? value : String(value);
    // `.` and `..` are dot segments to every URL parser (fetch removes them, and the path names another route).
    if (text.length <= 2 && text.charCodeAt(0) === 46 && (text.length === 1 || text.charCodeAt(1) === 46))
      throw new ClientError(
        'INVALID_CALL',
        `${method} ${template}: path parameter ${name} is ${JSON.stringify(text)}, a dot segment no URL keeps`,
      );
    path += encode(text) + parts[i + 1]!;
  }
  return path;
}

/** Characters a path segment keeps as they are: letters, digits and `_ . ~ : @ -` (RFC 3986 allows `:` and `@`). */
const KEPT = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.~:@-') KEPT[c.charCodeAt(0)] = 1;

/**
 * Percent-encodes one path segment, keeping `:` and `@` (`cc:22` stays readable). Whatever it holds:
 * a `${` or `/` a user wrote is text, never a reference nor another path (an explicit batch keeps its
 * own references unencoded, see batch-builder.ts).
 */
export function encodeSegment(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || KEPT[code] === 0) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  return encodeURIComponent(text).replace(/%3A/gi, ':').replace(/%40/g, '@');
}
