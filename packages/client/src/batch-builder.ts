import type { SubCall } from './client-dialect.js';
import { ClientError } from './client-error.js';
import type { AnyResult, CallArgs, CallResult, Method, OperationOf, PathsWith, SuccessBody } from './client-types.js';
import { callSignal, encodeSegment, type LooseInit, type TemplateCache, toSubCall } from './sub-call.js';

type Depth = [never, 0, 1, 2, 3];
type BodyPointer<T, D extends number = 4> = [D] extends [never]
  ? string
  : unknown extends T
    ? `/${string}` | ''
    : T extends readonly unknown[]
      ? '' | `/${number}${BodyPointer<T[number], Depth[D]>}`
      : T extends object
        ? '' | { [K in keyof T & string]: `/${K}${BodyPointer<T[K], Depth[D]>}` }[keyof T & string]
        : '';

/** A JSON pointer into an earlier call's result `{status, headers, body}`, typed by its success body. */
export type ResultPointer<T> = '/status' | `/headers/${string}` | `/body${BodyPointer<T>}`;

/** One step of a JSON pointer into `T`: an array's item, or an object's member (present: a reference to a missing one fails its call). */
type PointerStep<T, K extends string> = T extends readonly (infer E)[]
  ? K extends `${number}`
    ? E
    : unknown
  : T extends object
    ? K extends keyof T
      ? Exclude<T[K], undefined>
      : unknown
    : unknown;
/** The type of the value `pointer` (`/a/0/b`, or `` for the whole) points to in `T`; unknown where `T` does not say. */
type PointedTo<T, Pointer extends string> = Pointer extends ''
  ? T
  : Pointer extends `/${infer Head}/${infer Rest}`
    ? PointedTo<PointerStep<T, Head>, `/${Rest}`>
    : Pointer extends `/${infer Last}`
      ? PointerStep<T, Last>
      : unknown;
/**
 * What a whole-value reference stands for in the call that uses it: the type of the value it points
 * to in the earlier call's result `{status, headers, body}` (the engine puts that value there, with
 * its JSON type). Where the types do not say (an untyped body), `never`: it fits any member, as
 * nothing can be checked.
 */
export type ReferencedValue<O, Pointer extends string> =
  unknown extends PointedTo<{ status: number; headers: Record<string, string>; body: SuccessBody<O> }, Pointer>
    ? never
    : PointedTo<{ status: number; headers: Record<string, string>; body: SuccessBody<O> }, Pointer>;

/** A call added to an explicit batch. */
export interface BatchCall<O> {
  /** Its place in the batch (the key references use). */
  readonly index: number;
  /** Settles when this call's own result arrives. */
  readonly result: Promise<CallResult<O>>;
  /** A reference to a value of this call's result as text, for paths, queries, headers and strings: `${0/body/Id}`. */
  ref(pointer: ResultPointer<SuccessBody<O>>): string;
  /**
   * A whole-value reference (`$ref:0/body`), for a payload member that takes the value with its JSON
   * type: typed as the value it points to (a reference to a number fits only where a number does).
   */
  value<Pointer extends ResultPointer<SuccessBody<O>>>(pointer: Pointer): ReferencedValue<O, Pointer>;
}

type BuilderMethod<P, M extends Method> = <K extends PathsWith<P, M>>(
  path: K,
  ...init: CallArgs<P, K, M>
) => BatchCall<OperationOf<P, K, M>>;

/** What `client.batch(b => ...)` hands its builder. */
export interface BatchBuilder<P> {
  GET: BuilderMethod<P, 'GET'>;
  POST: BuilderMethod<P, 'POST'>;
  PUT: BuilderMethod<P, 'PUT'>;
  PATCH: BuilderMethod<P, 'PATCH'>;
  DELETE: BuilderMethod<P, 'DELETE'>;
  /** Calls made inside `fn` form one atomicity group (OData): they succeed or fail together. */
  atomic<R>(fn: () => R): R;
}

/** A recorded call of a builder, with the deferred its result settles. */
export interface Recorded {
  /** The call as its user wrote it (path parameters encoded, but a reference the builder made): its strings are text. */
  call: SubCall;
  signal?: AbortSignal;
  /** Whether the call holds a reference the builder made (set by {@link wireCalls}, and when a path parameter keeps one). */
  refers?: boolean;
  resolve(result: AnyResult): void;
  reject(error: Error): void;
}

/** What a builder recorded: its calls in order, and every reference text its `ref()`/`value()` made. */
export interface BatchRecord {
  readonly calls: Recorded[];
  readonly tokens: Set<string>;
  /** Set once the builder returned: a call made after it (after an `await` in the builder) is refused. */
  closed?: boolean;
}

/** Makes a builder that records calls in order. */
export function createBatchBuilder<P>(record: BatchRecord, templates: TemplateCache = new Map()): BatchBuilder<P> {
  const { calls: recorded, tokens } = record;
  let group: string | undefined;
  let groups = 0;
  const atomic = <R>(fn: () => R): R => {
    if (group !== undefined)
      throw new ClientError('INVALID_CALL', 'b.atomic(...) groups do not nest: close one group before opening the next');
    group = `g${++groups}`;
    try {
      return fn();
    } finally {
      group = undefined;
    }
  };
  const add =
    (method: Method) =>
    (path: string, init?: LooseInit): BatchCall<unknown> => {
      if (record.closed === true)
        throw new ClientError(
          'INVALID_CALL',
          `${method} ${String(path)}: the batch was already sent; make every call of a batch before its builder returns (no await in it)`,
        );
      const signal = callSignal(method, path, init);
      const index = recorded.length;
      let resolve!: (result: AnyResult) => void;
      let reject!: (error: Error) => void;
      const result = new Promise<AnyResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Whoever awaits only the batch result must not see an unhandled rejection here.
      result.catch(() => undefined);
      let refers = false;
      // A path parameter is encoded but for the references this builder made (the engine encodes what they resolve to).
      const encode =
        tokens.size === 0
          ? encodeSegment
          : (text: string) => {
              const kept = keepingTokens(text, tokens, encodeSegment);
              if (kept !== undefined) refers = true;
              return kept ?? encodeSegment(text);
            };
      const call = toSubCall(method, path, init, templates, encode);
      if (group !== undefined) call.atomicityGroup = group;
      recorded.push({ call, signal, refers, resolve, reject });
      const made = (token: string) => {
        tokens.add(token);
        return token;
      };
      return {
        index,
        result: result as Promise<never>,
        ref: (pointer) => made(`\${${index}${pointer}}`),
        value: (pointer) => made(`$ref:${index}${pointer}`) as never,
      };
    };
  return {
    GET: add('GET'),
    POST: add('POST'),
    PUT: add('PUT'),
    PATCH: add('PATCH'),
    DELETE: add('DELETE'),
    atomic,
  } as unknown as BatchBuilder<P>;
}

/**
 * `text` with each text reference of `tokens` kept as it is and the text around them passed
 * through `literal`; undefined when it holds none.
 */
function keepingTokens(text: string, tokens: ReadonlySet<string>, literal: (text: string) => string): string | undefined {
  let at = text.indexOf('${');
  if (at < 0) return undefined;
  let out: string | undefined;
  let from = 0;
  while (at >= 0) {
    const end = text.indexOf('}', at + 2);
    if (end < 0) break;
    if (tokens.has(text.slice(at, end + 1))) {
      out = (out ?? '') + (from < at ? literal(text.slice(from, at)) : '') + text.slice(at, end + 1);
      from = end + 1;
      at = text.indexOf('${', from);
    } else at = text.indexOf('${', at + 2);
  }
  if (out === undefined) return undefined;
  return from < text.length ? out + literal(text.slice(from)) : out;
}

/** The calls of a batch as they travel, and whether its strings are all text (the batch then says `RestBatch-References: none`). */
export interface WireCalls {
  readonly calls: SubCall[];
  readonly literal: boolean;
}

/**
 * The calls of an explicit batch as the engine is to read them. Without any reference the builder
 * made, they travel as written, and the batch says `RestBatch-References: none`. With some, every
 * string of the queries, headers and bodies is escaped in the engine's syntax (docs/references.md:
 * `${` becomes `$${`, a leading `$ref:` becomes `$$ref:`) but for the exact references the builder
 * made: so that text stays text and the references still resolve. Sets each call's `refers`.
 * Throws INVALID_CALL for text the engine's syntax cannot write in a batch with references: a
 * leading `$$ref:`, a reference after a leading `$ref:`, or a `$` right before a reference.
 */
export function wireCalls(recorded: readonly Recorded[], tokens: ReadonlySet<string>): WireCalls {
  const calls = recorded.map((r) => r.call);
  if (tokens.size === 0) return { calls, literal: true };
  const escaper = new Escaper(tokens);
  const escaped = recorded.map((r) => {
    escaper.kept = false;
    const call = r.call;
    const query = escaper.record(call.query);
    const headers = escaper.record(call.headers);
    const body = escaper.value(call.body);
    if (escaper.kept) r.refers = true;
    return query === call.query && headers === call.headers && body === call.body ? call : { ...call, query, headers, body };
  });
  if (!recorded.some((r) => r.refers === true)) return { calls, literal: true };
  if (escaper.unwritable !== undefined)
    throw new ClientError(
      'INVALID_CALL',
      `${JSON.stringify(escaper.unwritable)} cannot be written as text in a batch with references (a leading $$ref:, a reference after a leading $ref:, or a $ right before a reference): send it in a batch without references, or as a plain call`,
    );
  return { calls: escaped, literal: false };
}

const DOLLAR = 36;

/** Escapes the strings of a batch's calls, keeping the builder's references. */
class Escaper {
  /** Whether a reference was kept since this was last reset. */
  kept = false;
  /** The first text that cannot be escaped. */
  unwritable: string | undefined;

  constructor(private readonly tokens: ReadonlySet<string>) {}

  text(text: string): string {
    if (text.indexOf('$') < 0) return text;
    if (this.tokens.has(text)) {
      this.kept = true;
      return text;
    }
    // A leading `$$ref:` makes the whole string text: nothing after it is read, so no reference either.
    if (text.startsWith('$ref:')) {
      if (keepingTokens(text, this.tokens, escapeText) !== undefined) {
        this.kept = true;
        this.unwritable ??= text;
      }
      return `$${text}`;
    }
    if (text.startsWith('$$ref:')) this.unwritable ??= text;
    const kept = keepingTokens(text, this.tokens, escapeText);
    if (kept === undefined) return escapeText(text);
    this.kept = true;
    for (let at = text.indexOf('${'); at >= 0; at = text.indexOf('${', at + 2))
      if (at > 0 && text.charCodeAt(at - 1) === DOLLAR && this.startsToken(text, at)) this.unwritable ??= text;
    return kept;
  }

  record(record: Record<string, string>): Record<string, string> {
    let out: Record<string, string> | undefined;
    for (const name in record) {
      const value = record[name] as string;
      const escaped = this.text(value);
      if (escaped === value) continue;
      out ??= { ...record };
      out[name] = escaped;
    }
    return out ?? record;
  }

  /** A JSON value with its strings escaped (object keys are never read); the same value when nothing changed. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const escaped = this.value(value[i]);
        if (escaped === value[i]) continue;
        out ??= [...value];
        out[i] = escaped;
      }
      return out ?? value;
    }
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    let out: Record<string, unknown> | undefined;
    for (const [key, member] of Object.entries(value)) {
      const escaped = this.value(member);
      if (escaped === member) continue;
      out ??= { ...value };
      // Defined, not assigned: a member named `__proto__` (JSON.parse makes such) stays a member.
      Object.defineProperty(out, key, { value: escaped, writable: true, enumerable: true, configurable: true });
    }
    return out ?? value;
  }

  private startsToken(text: string, at: number): boolean {
    const end = text.indexOf('}', at + 2);
    return end >= 0 && this.tokens.has(text.slice(at, end + 1));
  }
}

/** Text with each `${` written `$${` (a literal `${` in the engine's syntax). */
function escapeText(text: string): string {
  // A function, not a replacement string: in one, `$$` would stand for a single `$`.
  return text.indexOf('${') < 0 ? text : text.replaceAll('${', () => '$${');
}
