import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest } from '../model/canonical.js';
import { parseTemplate, type Reference, type Template } from './reference-syntax.js';
import { nativeKey, scanReferences, type TemplateParser } from './resolve-references.js';

/** What a sub-request needs resolved before it runs. */
export interface SubReferencePlan {
  /** The key of an OData-style `$<id>` first path segment, when the path starts with one. */
  readonly native: string | undefined;
  /** Whether the path holds references (its route can only be matched once they are resolved). */
  readonly inPath: boolean;
}

/** The references of a batch, found once before anything runs. */
export interface ReferencePlan {
  /** Per sub-request: undefined when it holds no reference (it then runs as written). */
  readonly subs: ReadonlyArray<SubReferencePlan | undefined>;
  /** The index of the sub-request a key names. */
  indexOf(key: string): number;
  /** Parses a string's references, reusing what the pre-pass parsed. */
  parse: TemplateParser;
}

const DIGITS = /^(?:0|[1-9][0-9]*)$/;

/**
 * Finds every reference of a batch and checks that each names an earlier sub-request — by id
 * first, else by index. A forward or unknown reference rejects the whole batch. Returns
 * undefined for a batch without references, so plain batches pay one scan and nothing more.
 */
export function planReferences(requests: readonly SubRequest[]): ReferencePlan | undefined {
  let ids: Map<string, number> | undefined;
  for (const sub of requests) {
    if (sub.id === undefined) continue;
    ids ??= new Map();
    ids.set(sub.id, sub.index);
  }
  const keyIndex = (key: string): number | undefined => {
    const byId = ids?.get(key);
    if (byId !== undefined) return byId;
    return DIGITS.test(key) && Number(key) < requests.length ? Number(key) : undefined;
  };
  let subs: Array<SubReferencePlan | undefined> | undefined;
  // Each distinct string is parsed once per batch; the executor reuses the parse.
  const templates = new Map<string, Template>();
  const parse: TemplateParser = (text) => {
    if (text.indexOf('$') < 0) return undefined;
    let template = templates.get(text);
    if (template === undefined) {
      template = parseTemplate(text);
      if (template !== undefined) templates.set(text, template);
    }
    return template;
  };
  for (let i = 0; i < requests.length; i++) {
    const sub = requests[i] as SubRequest;
    const check = (ref: Reference) => {
      const target = keyIndex(ref.key);
      if (target === undefined || target >= i) {
        throw new RestBatchError(
          'REFERENCE_INVALID',
          `Sub-request ${sub.id ?? i}: reference ${ref.raw} names no earlier sub-request; references point backwards only`,
          {
            details: { index: i, reference: ref.raw },
          },
        );
      }
    };
    let native = nativeKey(sub.path);
    // `$metadata` and the like stay literal path segments; `$<id>` of a later sub-request is a forward reference.
    if (native !== undefined && keyIndex(native) === undefined) native = undefined;
    if (native !== undefined) check({ key: native, pointer: [], raw: `$${native}` });
    const pathBefore = sub.path.includes('${');
    if (scanReferences(sub, check, parse) || native !== undefined) {
      subs ??= new Array(requests.length);
      subs[i] = { native, inPath: native !== undefined || pathBefore };
    }
  }
  if (subs === undefined) return undefined;
  return { subs, indexOf: (key) => keyIndex(key) as number, parse };
}
