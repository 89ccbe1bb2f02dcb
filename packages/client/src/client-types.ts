// Types that read openapi-typescript output (`paths`), as openapi-fetch does: which paths take a
// method, and the path parameters, query, body, success body and error body of each operation.

/** The methods a call can use. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type Lower<M extends Method> = Lowercase<M>;

/** The paths of `P` that answer method `M` (openapi-typescript writes `get?: never` for the others). */
export type PathsWith<P, M extends Method> = {
  [K in keyof P]: P[K] extends { [L in Lower<M>]: infer O } ? ([O] extends [never] ? never : [O] extends [undefined] ? never : K) : never;
}[keyof P] &
  string;

/** The operation object of `M` on path `K`. */
export type OperationOf<P, K extends keyof P, M extends Method> = P[K] extends { [L in Lower<M>]: infer O } ? O : never;

type ParamsOf<O> = O extends { parameters: infer X } ? X : {};
type Present<T> = [T] extends [never] ? undefined : [T] extends [undefined] ? undefined : Exclude<T, undefined>;

/** The query of an operation, with Exago's `sid` optional: the client adds the session it holds. */
type QueryOf<O> =
  Present<ParamsOf<O> extends { query?: infer Q } ? Q : undefined> extends infer Q
    ? Q extends { sid: string }
      ? Omit<Q, 'sid'> & { sid?: string }
      : Q
    : never;
type PathParamsOf<O> = Present<ParamsOf<O> extends { path?: infer X } ? X : undefined>;
/** The request body's member (`unknown` when the operation names none; `never` when it says `requestBody?: never`). */
type RequestBodyOf<O> = O extends { requestBody?: infer R } ? Exclude<R, undefined> : undefined;
/** The JSON body an operation takes; undefined for one that takes none (`requestBody?: never`, as openapi-typescript writes for GET). */
type BodyOf<O> = [RequestBodyOf<O>] extends [never]
  ? undefined
  : RequestBodyOf<O> extends { content: { 'application/json': infer B } }
    ? B
    : undefined;
type BodyRequired<O> = O extends { requestBody: { content: unknown } } ? true : false;

type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

type ParamsInit<O> = (PathParamsOf<O> extends undefined ? {} : { path: PathParamsOf<O> }) &
  (QueryOf<O> extends undefined ? {} : RequiredKeys<QueryOf<O>> extends never ? { query?: QueryOf<O> } : { query: QueryOf<O> });

type BodyInit<O> =
  BodyOf<O> extends undefined ? { body?: undefined } : BodyRequired<O> extends true ? { body: BodyOf<O> } : { body?: BodyOf<O> };

/** What every call accepts next to its typed parts. */
export interface CallOptions {
  /** Extra headers of this call. */
  headers?: Record<string, string>;
  /** Aborts this call: it leaves its batch if not yet sent, or its promise rejects with `ABORTED`. */
  signal?: AbortSignal;
  /** Send this call alone as an ordinary request, never in a batch. */
  batch?: false;
}

/** The second argument of a call to `M` on `K`. */
export type CallInit<P, K extends keyof P, M extends Method> = CallOptions &
  BodyInit<OperationOf<P, K, M>> &
  (RequiredKeys<ParamsInit<OperationOf<P, K, M>>> extends never
    ? { params?: ParamsInit<OperationOf<P, K, M>> }
    : { params: ParamsInit<OperationOf<P, K, M>> });

/** `[init]` when every part of the init is optional, `[init]` required otherwise. */
export type CallArgs<P, K extends keyof P, M extends Method> =
  RequiredKeys<CallInit<P, K, M>> extends never ? [init?: CallInit<P, K, M>] : [init: CallInit<P, K, M>];

type Responses<O> = O extends { responses: infer R } ? R : {};
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;
type Success<R> = { [S in keyof R]: S extends 200 | 201 | 202 | 203 | 204 | 206 | '2XX' ? JsonOf<R[S]> : never }[keyof R];
type Failure<R> = { [S in keyof R]: S extends 200 | 201 | 202 | 203 | 204 | 206 | '2XX' ? never : JsonOf<R[S]> }[keyof R];

/** The success body of an operation. */
export type SuccessBody<O> = Success<Responses<O>>;
/** The error body of an operation (the API's error shape). */
export type ErrorBody<O> = Failure<Responses<O>>;

/** The settled result of one call: `data` on a 2xx answer, `error` (the API's error body) otherwise. */
export type CallResult<O> =
  | { ok: true; status: number; headers: Record<string, string>; data: SuccessBody<O>; error?: undefined }
  | { ok: false; status: number; headers: Record<string, string>; data?: undefined; error: ErrorBody<O>; code: string | undefined };

/** A result whose operation is not known (the results of an explicit batch, by index). */
export type AnyResult =
  | { ok: true; status: number; headers: Record<string, string>; data: unknown; error?: undefined }
  | { ok: false; status: number; headers: Record<string, string>; data?: undefined; error: unknown; code: string | undefined };
