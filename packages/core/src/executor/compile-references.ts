import type { SubRequest } from '../model/canonical.js';
import type { Reference, Template } from './reference-syntax.js';

/** A reference the pre-pass has checked: the index of the sub-request it names, header names in lower case. */
export interface BoundReference extends Reference {
  /** The index of the earlier sub-request; -1 when the key names none (the pre-pass then rejects the batch). */
  readonly target: number;
}

/** A parsed string whose references are bound to the sub-requests they name. */
export type BoundTemplate = { readonly whole: BoundReference } | { readonly parts: ReadonlyArray<string | BoundReference> };

/**
 * Where a payload holds references: a string to render (`text`), or a container and, for each of its
 * members on the way to a reference, the member's key and what to do there.
 */
export type BodyPatch =
  | { readonly text: BoundTemplate }
  | { readonly text?: undefined; readonly array: boolean; readonly keys: readonly (string | number)[]; readonly patches: readonly BodyPatch[] };

/** A query parameter or header value that holds references; `item` is its place in a repeated value, else -1. */
export interface NamedText {
  readonly name: string;
  readonly item: number;
  readonly text: BoundTemplate;
}

/** The resolver of one sub-request, compiled by the pre-pass: every place that holds a reference or an escape. */
export interface CompiledReferences {
  /** The path (after an OData `$<id>` prefix) when it holds references or escapes. */
  readonly path: BoundTemplate | undefined;
  readonly query: readonly NamedText[] | undefined;
  readonly headers: readonly NamedText[] | undefined;
  readonly body: BodyPatch | undefined;
}

/** Parses and binds a string once per batch; undefined for a string with no reference or escape. */
export type Binder = (text: string) => BoundTemplate | undefined;

/**
 * Walks a sub-request once and records where its references are: `path` is the part of the path
 * to resolve (without a `$<id>` prefix). Calls `visit` on each reference in the order they
 * resolve. Returns undefined when the sub-request holds none, so it then runs as written.
 */
export function compileReferences(
  sub: SubRequest,
  path: string,
  bind: Binder,
  visit: (ref: BoundReference) => void,
): CompiledReferences | undefined {
  const text = (value: string): BoundTemplate | undefined => {
    if (value.indexOf('$') < 0) return undefined;
    const template = bind(value);
    if (template !== undefined) visitAll(template, visit);
    return template;
  };
  const pathText = text(path);
  const query = named(sub.query, text);
  const headers = named(sub.headers, text);
  const body = patchOf(sub.body, text);
  if (pathText === undefined && query === undefined && headers === undefined && body === undefined) return undefined;
  return { path: pathText, query, headers, body };
}

function visitAll(template: BoundTemplate | Template, visit: (ref: BoundReference) => void): void {
  if ('whole' in template) visit(template.whole as BoundReference);
  else for (const part of template.parts) if (typeof part !== 'string') visit(part as BoundReference);
}

function named(record: Record<string, string | string[]>, text: (value: string) => BoundTemplate | undefined): NamedText[] | undefined {
  let out: NamedText[] | undefined;
  for (const name of Object.keys(record)) {
    const value = record[name] as string | string[];
    if (typeof value === 'string') {
      const template = text(value);
      if (template !== undefined) (out ??= []).push({ name, item: -1, text: template });
    } else if (Array.isArray(value)) {
      for (let item = 0; item < value.length; item++) {
        const template = typeof value[item] === 'string' ? text(value[item] as string) : undefined;
        if (template !== undefined) (out ??= []).push({ name, item, text: template });
      }
    }
  }
  return out;
}

/** The patch of a JSON value: only the containers on the way to a reference are recorded. */
function patchOf(value: unknown, text: (value: string) => BoundTemplate | undefined): BodyPatch | undefined {
  if (typeof value === 'string') {
    const template = text(value);
    return template === undefined ? undefined : { text: template };
  }
  if (value === null || typeof value !== 'object') return undefined;
  let keys: (string | number)[] | undefined;
  let patches: BodyPatch[] | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const patch = item !== null && (typeof item === 'object' || typeof item === 'string') ? patchOf(item, text) : undefined;
      if (patch === undefined) continue;
      (keys ??= []).push(i);
      (patches ??= []).push(patch);
    }
    return keys === undefined ? undefined : { array: true, keys, patches: patches as BodyPatch[] };
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const patch = item !== null && (typeof item === 'object' || typeof item === 'string') ? patchOf(item, text) : undefined;
    if (patch === undefined) continue;
    (keys ??= []).push(key);
    (patches ??= []).push(patch);
  }
  return keys === undefined ? undefined : { array: false, keys, patches: patches as BodyPatch[] };
}
