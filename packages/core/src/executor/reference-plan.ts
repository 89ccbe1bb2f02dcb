import type { EngineLimits } from '../engine/engine-options.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest } from '../model/canonical.js';
import { SYSTEM_RESOURCES } from '../model/system-resources.js';
import { type BoundReference, type BoundTemplate, ReferenceCompiler, type SubReferencePlan } from './compile-references.js';
import { checkKey, parsePointer, parseTemplate } from './reference-syntax.js';
import { excerpt } from '../errors/excerpt.js';
import { subRequestName } from './sub-request-name.js';

export type { SubReferencePlan } from './compile-references.js';

/** How many references a batch may hold: all together, and in one sub-request. */
export type ReferenceLimits = Pick<EngineLimits, 'maxReferences' | 'maxReferencesPerSubRequest'>;

/** The references of a batch, found once before anything runs. */
export interface ReferencePlan {
  /** Per sub-request: undefined when it holds no reference (it then runs as written). */
  readonly subs: ReadonlyArray<SubReferencePlan | undefined>;
}

const DIGITS = /^(?:0|[1-9][0-9]*)$/;

/**
 * Finds every reference of a batch, checks that each names an earlier sub-request — by id first,
 * else by index — and compiles a resolver per sub-request that holds any. A forward or unknown
 * reference rejects the whole batch, and so do more references than `limits` allow (counted as
 * they are found: the walk stops at the first one too many). Returns undefined for a batch without
 * references, so a plain batch pays one scan for `$` and nothing more.
 */
export function planReferences(requests: readonly SubRequest[], limits: ReferenceLimits): ReferencePlan | undefined {
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
  // Each distinct key and pointer is parsed once per batch, however many references repeat it.
  const targets = new Map<string, number>();
  const pointers = new Map<string, readonly string[]>();
  let lastPointerText: string | undefined;
  let lastPointer: readonly string[] = [];
  // References found so far, and so far when the sub-request being compiled began.
  let found = 0;
  let subStart = 0;
  let current: SubRequest | undefined;
  const count = (): void => {
    found++;
    if (found - subStart > limits.maxReferencesPerSubRequest) throw tooMany(limits.maxReferencesPerSubRequest, current);
    if (found > limits.maxReferences) throw tooMany(limits.maxReferences, undefined);
  };
  const bindReference = (text: string, start: number, end: number, rawStart: number, rawEnd: number): BoundReference => {
    count();
    let slash = text.indexOf('/', start);
    if (slash < 0 || slash > end) slash = end;
    let target = ids === undefined ? digitsIndex(text, start, slash, requests.length) : undefined;
    if (target === undefined) {
      const key = text.slice(start, slash);
      target = targets.get(key);
      if (target === undefined) {
        checkKey(key, text.slice(rawStart, rawEnd));
        target = keyIndex(key) ?? -1;
        targets.set(key, target);
      }
    }
    if (slash === end) return new SlicedReference(text, start, slash, rawStart, rawEnd, target, []);
    // Most references of a batch share their pointer (`body/Id`): the last one is compared in place first.
    const length = end - slash - 1;
    if (lastPointerText === undefined || length !== lastPointerText.length || !sameAt(text, slash + 1, lastPointerText)) {
      const pointerText = text.slice(slash + 1, end);
      let pointer = pointers.get(pointerText);
      if (pointer === undefined) {
        const parsed = parsePointer(pointerText, text.slice(rawStart, rawEnd));
        // Header names are lower case; a pointer may spell them as the client likes.
        if (parsed[0] === 'headers' && parsed.length > 1) parsed[1] = (parsed[1] as string).toLowerCase();
        pointer = parsed;
        pointers.set(pointerText, pointer);
      }
      lastPointerText = pointerText;
      lastPointer = pointer;
    }
    return new SlicedReference(text, start, slash, rawStart, rawEnd, target, lastPointer);
  };
  // Strings are parsed each time they occur: parsing is cheaper than a map of every string seen.
  const bind = (text: string): BoundTemplate | undefined => parseTemplate(text, bindReference);
  const compiler = new ReferenceCompiler(bind, (ref, sub) => {
    if (ref.target < 0 || ref.target >= sub.index) {
      throw new RestBatchError(
        'REFERENCE_INVALID',
        `Sub-request ${subRequestName(sub.id, sub.index)}: reference ${excerpt(ref.raw)} names no earlier sub-request; references point backwards only`,
        { details: { index: sub.index, reference: ref.raw } },
      );
    }
  });
  // A `$<id>` names a request by id only (§19.1): a batch without ids (Exago's, Guidewire's) has no
  // such prefix, and a `/$0/...` path is literal text there (it names no route).
  const nativeKey = (key: string) => ids?.get(key);
  let subs: Array<SubReferencePlan | undefined> | undefined;
  for (let i = 0; i < requests.length; i++) {
    const sub = requests[i] as SubRequest;
    current = sub;
    subStart = found;
    let native: BoundReference | undefined;
    // `$metadata` and the like stay literal path segments; `$<id>` of a later sub-request is a forward reference.
    if (ids !== undefined && sub.path.charCodeAt(1) === 36) native = nativeReference(sub, nativeKey, compiler);
    if (native !== undefined) count();
    const rest = native === undefined ? sub.path : sub.path.slice(2 + native.key.length);
    const compiled = compiler.compile(sub, native, rest);
    if (compiled === undefined) continue;
    subs ??= new Array(requests.length);
    subs[i] = compiled;
  }
  return subs === undefined ? undefined : { subs };
}

/**
 * REFERENCES_TOO_MANY for a batch (no `sub`) or one of its sub-requests holding more than `limit`
 * references: resolving them is work done in one piece, so their number is bounded like any input.
 */
function tooMany(limit: number, sub: SubRequest | undefined): RestBatchError {
  if (sub === undefined) {
    return new RestBatchError('REFERENCES_TOO_MANY', `The batch holds more than ${limit} references (limits.maxReferences)`, {
      details: { limit },
    });
  }
  return new RestBatchError(
    'REFERENCES_TOO_MANY',
    `Sub-request ${subRequestName(sub.id, sub.index)} holds more than ${limit} references (limits.maxReferencesPerSubRequest)`,
    { details: { index: sub.index, limit } },
  );
}

/**
 * The reference an OData-style `$<id>` first path segment (`/$1/notes`) makes, when `<id>` names a
 * sub-request by id, as §19.1 says ("a preceding request whose id value is identical"), never by
 * position. A system resource's name (`$metadata`) is left alone.
 */
function nativeReference(
  sub: SubRequest,
  keyIndex: (key: string) => number | undefined,
  compiler: ReferenceCompiler,
): BoundReference | undefined {
  const path = sub.path;
  if (path.charCodeAt(2) === 36 || path.charCodeAt(2) === 123) return undefined;
  const end = path.indexOf('/', 2);
  const key = end < 0 ? path.slice(2) : path.slice(2, end);
  const target = key === '' || SYSTEM_RESOURCES.has(`$${key}`) ? undefined : keyIndex(key);
  if (target === undefined) return undefined;
  const raw = `$${key}`;
  const native = new SlicedReference(raw, 1, raw.length, 0, raw.length, target, []);
  compiler.check(native, sub);
  return native;
}

/**
 * The index a key of digits (`text.slice(start, end)`) names, read in place with no regular
 * expression, map or substring (the common case); -1 past the end; undefined for any other key.
 */
function digitsIndex(text: string, start: number, end: number, count: number): number | undefined {
  const length = end - start;
  if (length === 0 || length > 9 || (length > 1 && text.charCodeAt(start) === 48)) return undefined;
  let index = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    index = index * 10 + digit;
  }
  return index < count ? index : -1;
}

/** Whether `text` holds `other` at `at`: compared code by code, cheaper than startsWith for a short pointer. */
function sameAt(text: string, at: number, other: string): boolean {
  for (let i = 0; i < other.length; i++) if (text.charCodeAt(at + i) !== other.charCodeAt(i)) return false;
  return true;
}

/** A bound reference that keeps positions into the string it was written in: its key and text are cut only for messages. */
class SlicedReference implements BoundReference {
  // Declared, not class fields: one is made per reference of a batch, and class fields are
  // defined one by one before the constructor assigns them (several times the cost).
  declare private readonly text: string;
  declare private readonly keyStart: number;
  declare private readonly keyEnd: number;
  declare private readonly rawStart: number;
  declare private readonly rawEnd: number;
  declare readonly target: number;
  declare readonly pointer: readonly string[];

  constructor(
    text: string,
    keyStart: number,
    keyEnd: number,
    rawStart: number,
    rawEnd: number,
    target: number,
    pointer: readonly string[],
  ) {
    this.text = text;
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.rawStart = rawStart;
    this.rawEnd = rawEnd;
    this.target = target;
    this.pointer = pointer;
  }

  get key(): string {
    return this.text.slice(this.keyStart, this.keyEnd);
  }

  get raw(): string {
    return this.text.slice(this.rawStart, this.rawEnd);
  }
}
