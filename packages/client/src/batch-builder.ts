import type { SubCall } from './client-dialect.js';
import { ClientError } from './client-error.js';
import type { AnyResult, CallArgs, CallResult, Method, OperationOf, PathsWith, SuccessBody } from './client-types.js';
import { type LooseInit, type TemplateCache, toSubCall } from './sub-call.js';

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

/** A call added to an explicit batch. */
export interface BatchCall<O> {
  /** Its place in the batch (the key references use). */
  readonly index: number;
  /** Settles when this call's own result arrives. */
  readonly result: Promise<CallResult<O>>;
  /** A reference to a value of this call's result as text, for paths, queries, headers and strings: `${0/body/Id}`. */
  ref(pointer: ResultPointer<SuccessBody<O>>): string;
  /** A whole-value reference (`$ref:0/body`), for a payload member that takes the value with its JSON type. */
  value(pointer: ResultPointer<SuccessBody<O>>): never;
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
  call: SubCall;
  signal?: AbortSignal;
  resolve(result: AnyResult): void;
  reject(error: Error): void;
}

/** Makes a builder that records calls in order. */
export function createBatchBuilder<P>(recorded: Recorded[], templates: TemplateCache = new Map()): BatchBuilder<P> {
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
      const index = recorded.length;
      let resolve!: (result: AnyResult) => void;
      let reject!: (error: Error) => void;
      const result = new Promise<AnyResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Whoever awaits only the batch result must not see an unhandled rejection here.
      result.catch(() => undefined);
      const call = toSubCall(method, path, init, templates);
      if (group !== undefined) call.atomicityGroup = group;
      recorded.push({ call, signal: init?.signal, resolve, reject });
      return {
        index,
        result: result as Promise<never>,
        ref: (pointer) => `\${${index}${pointer}}`,
        value: (pointer) => `$ref:${index}${pointer}` as never,
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
