import { NO_QUERY } from '../engine/parse-url.js';
import type { SubRequest } from '../model/canonical.js';
import { NO_HEADERS } from './sub-results.js';
import type { Reference, Template } from './reference-syntax.js';

/** A reference the pre-pass has checked: the index of the sub-request it names, header names in lower case. */
export interface BoundReference extends Reference {
  /** The index of the earlier sub-request; -1 when the key names none (the pre-pass then rejects the batch). */
  readonly target: number;
}

/** A parsed string whose references are bound to the sub-requests they name. */
export type BoundTemplate = Template<BoundReference>;

/**
 * Where a payload holds references: a string to render (`text`), or a container and, for each of its
 * members on the way to a reference, the member's key and what to do there.
 */
export type BodyPatch =
  | { readonly text: BoundTemplate }
  | {
      readonly text?: undefined;
      readonly array: boolean;
      readonly keys: readonly (string | number)[];
      readonly patches: readonly BodyPatch[];
    };

/** A query parameter or header value that holds references; `item` is its place in a repeated value, else -1. */
export interface NamedText {
  readonly name: string;
  readonly item: number;
  readonly text: BoundTemplate;
}

/** The resolver of one sub-request, compiled by the pre-pass: every place that holds a reference or an escape. */
export interface SubReferencePlan {
  /** The path after an OData `$<id>` prefix, when it holds references or escapes. */
  readonly path: BoundTemplate | undefined;
  readonly query: readonly NamedText[] | undefined;
  readonly headers: readonly NamedText[] | undefined;
  readonly body: BodyPatch | undefined;
  /** The OData-style `$<id>` first path segment, when the path starts with one. */
  readonly native: BoundReference | undefined;
  /** The path after a `$<id>` prefix (the whole path without one), used as is when `path` is undefined. */
  readonly rest: string;
  /** Whether the path holds references (its route can only be matched once they are resolved). */
  readonly inPath: boolean;
  /** How many references it holds, its `$<id>` prefix included (a span attribute). */
  readonly references: number;
  /**
   * The latest sub-request (position) its references name, -1 for none: the results that must be
   * final before it runs (a buffering store confirms the reads of those only, see `SessionUnitOfWork.flush`).
   */
  readonly reach: number;
}

/** Parses a string and binds its references; undefined for a string with no reference or escape. */
export type Binder = (text: string) => BoundTemplate | undefined;

/**
 * Walks sub-requests once each and records where their references are, calling `check` on each
 * reference in the order they resolve (so the pre-pass can check it). One per batch: a string
 * without `$` costs one indexOf, and nothing is recorded for a container without references.
 */
export class ReferenceCompiler {
  // References found so far (each sub-request's count is the difference over its compile).
  #found = 0;
  // The latest target of the sub-request being compiled.
  #reach = -1;

  constructor(
    private readonly bind: Binder,
    /** Checks one reference of a sub-request (throws to reject the batch). */
    readonly check: (ref: BoundReference, sub: SubRequest) => void,
  ) {}

  /**
   * The places of `sub` that hold references, or undefined when it holds none and has no `$<id>`
   * prefix (`native`); `rest` is the part of its path to resolve, after such a prefix.
   */
  compile(sub: SubRequest, native: BoundReference | undefined, rest: string): SubReferencePlan | undefined {
    const before = this.#found;
    this.#reach = native === undefined ? -1 : native.target;
    const path = this.text(rest, sub);
    // The shared empty records (most sub-requests have them) need no walk.
    const query = sub.query === NO_QUERY ? undefined : this.named(sub.query, sub);
    const headers = sub.headers === NO_HEADERS ? undefined : this.named(sub.headers, sub);
    const body = this.patchOf(sub.body, sub);
    if (path === undefined && query === undefined && headers === undefined && body === undefined && native === undefined) return undefined;
    const references = this.#found - before + (native === undefined ? 0 : 1);
    return { path, query, headers, body, native, rest, inPath: native !== undefined || path !== undefined, references, reach: this.#reach };
  }

  private text(value: string, sub: SubRequest): BoundTemplate | undefined {
    if (value.indexOf('$') < 0) return undefined;
    const template = this.bind(value);
    if (template === undefined) return undefined;
    if (template.whole !== undefined) {
      this.check(template.whole, sub);
      this.#found++;
      if (template.whole.target > this.#reach) this.#reach = template.whole.target;
    } else
      for (const part of template.parts)
        if (typeof part !== 'string') {
          this.check(part, sub);
          this.#found++;
          if (part.target > this.#reach) this.#reach = part.target;
        }
    return template;
  }

  private named(record: Record<string, string | string[]>, sub: SubRequest): NamedText[] | undefined {
    let out: NamedText[] | undefined;
    // for-in, not Object.keys: query and header records have no prototype (dictionary objects), and
    // Object.keys on them costs more than the rest of the walk. Inherited names are skipped below.
    for (const name in record) {
      const value = record[name] as string | string[];
      if (!(typeof value === 'string' ? value.indexOf('$') >= 0 : Array.isArray(value)) || !Object.hasOwn(record, name)) continue;
      if (typeof value === 'string') {
        const template = this.text(value, sub);
        if (template !== undefined) {
          out ??= [];
          out.push({ name, item: -1, text: template });
        }
      } else if (Array.isArray(value)) {
        for (let item = 0; item < value.length; item++) {
          const template = typeof value[item] === 'string' ? this.text(value[item] as string, sub) : undefined;
          if (template !== undefined) {
            out ??= [];
            out.push({ name, item, text: template });
          }
        }
      }
    }
    return out;
  }

  /** The patch of a JSON value: only the containers on the way to a reference are recorded. */
  private patchOf(value: unknown, sub: SubRequest): BodyPatch | undefined {
    if (typeof value === 'string') {
      const template = this.text(value, sub);
      return template === undefined ? undefined : { text: template };
    }
    if (value === null || typeof value !== 'object') return undefined;
    let keys: (string | number)[] | undefined;
    let patches: BodyPatch[] | undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (!(typeof item === 'string' ? item.indexOf('$') >= 0 : typeof item === 'object' && item !== null)) continue;
        const patch = this.patchOf(item, sub);
        if (patch === undefined) continue;
        keys ??= [];
        patches ??= [];
        keys.push(i);
        patches.push(patch);
      }
      return keys === undefined ? undefined : { array: true, keys, patches: patches as BodyPatch[] };
    }
    const record = value as Record<string, unknown>;
    // for-in walks a parsed object without allocating its key list; inherited names are skipped.
    for (const key in record) {
      const item = record[key];
      if (!(typeof item === 'string' ? item.indexOf('$') >= 0 : typeof item === 'object' && item !== null) || !Object.hasOwn(record, key))
        continue;
      const patch = this.patchOf(item, sub);
      if (patch === undefined) continue;
      keys ??= [];
      patches ??= [];
      keys.push(key);
      patches.push(patch);
    }
    return keys === undefined ? undefined : { array: false, keys, patches: patches as BodyPatch[] };
  }
}
