import { ClientError, errorCodeOf } from './client-error.js';
import type { AnyResult, Method } from './client-types.js';
import type { WireResult } from './transport.js';

/** One sub-request in the client's canonical form: the full path with its parameters filled in. */
export interface SubCall {
  method: Method;
  /** Full path, such as `/rest/Roles/MyRole`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
  /** Set by `b.atomic(...)` in an explicit batch: calls of one group succeed or fail together. */
  atomicityGroup?: string;
  /**
   * The path below the base of the endpoint the call is batched under (`Roles/x` of `/rest/Roles/x`
   * under `/rest`), when the client made it so: a dialect then takes it as it is.
   */
  readonly relative?: string;
}

/** One sub-response, whatever the dialect's item shape: made once, as the caller sees it. */
export type SubResult = AnyResult;

/** No headers, or no query: one frozen object, so a call or an Exago item without them allocates nothing. */
export const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A sub-response as the caller sees it: `data` on 2xx, `error` (with the code it names) otherwise. */
export function resultOf(status: number, headers: Record<string, string>, body: unknown): AnyResult {
  if (status >= 200 && status < 300) return { ok: true, status, headers, data: body };
  return { ok: false, status, headers, error: body, code: errorCodeOf(body) };
}

/** What happens to the rest of a batch when a call fails (docs/failure-policy.md). */
export type FailurePolicy = 'continue' | 'stop' | 'atomic';

/** The outer request a dialect makes of a group of calls. */
export interface Envelope {
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

/** A batch dialect on the client side: canonical calls to the envelope, and items back. */
export interface ClientDialect {
  readonly name: 'exago' | 'odata' | 'guidewire';
  /** The server's default limit of sub-requests per batch. */
  readonly maxItems: number;
  encode(calls: readonly SubCall[], base: string, policy: FailurePolicy | undefined): Envelope;
  /** One item of the envelope (streamed or not) as a sub-response. */
  item(raw: unknown): SubResult;
  /**
   * A sub-response without an error as a transport hands it without an item (see
   * `WireRequest.readsResults`): exactly what `item` makes of the item the server would have made of it.
   * A dialect without it always gets items.
   */
  fromResult?(result: WireResult): SubResult;
  /** The items of a whole (non-streamed) answer. */
  items(body: unknown): unknown[] | undefined;
  /**
   * Why an item of the envelope cannot carry `call` (its method, its body), or undefined when it can;
   * a dialect without it carries any call. The server would refuse the whole batch for such a call:
   * the batcher sends it alone, and an explicit batch holding it is refused ({@link refusedCall}).
   */
  callProblem?(call: SubCall, base: string): string | undefined;
}

/**
 * The `INVALID_CALL` error of the first of an explicit batch's `calls` that `dialect`'s envelope
 * cannot carry (see {@link ClientDialect.callProblem}), naming the call; undefined when there is none.
 */
export function refusedCall(dialect: ClientDialect, calls: readonly SubCall[], base: string): ClientError | undefined {
  const problemOf = dialect.callProblem;
  if (problemOf === undefined) return undefined;
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index] as SubCall;
    const problem = problemOf(call, base);
    if (problem !== undefined)
      return new ClientError(
        'INVALID_CALL',
        `${call.method} ${call.path} (call ${index} of the batch) cannot travel in ${TITLES[dialect.name]} batch: ${problem}. The server would refuse the whole batch: send this call as a plain call (it then goes alone)`,
      );
  }
  return undefined;
}

const TITLES = { exago: 'an Exago', odata: 'an OData', guidewire: 'a Guidewire' } as const;

/** Throws for dialects without atomicity groups (Exago and Guidewire have none). */
export function refuseGroups(calls: readonly SubCall[], dialect: string): void {
  for (const c of calls) if (c.atomicityGroup !== undefined) throw groupsRefused(dialect);
}

function groupsRefused(dialect: string): ClientError {
  return new ClientError('UNSUPPORTED', `${dialect} batches have no atomic groups: use an OData endpoint, or onFail: 'atomic' on Exago`);
}

/** The path of a call relative to its API's base (`/rest/Roles/x` under `/rest` is `Roles/x`). */
export function relativePath(call: SubCall, base: string): string {
  if (call.relative !== undefined) return call.relative;
  const path = call.path;
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path.replace(/^\/+/, '');
}

/** `a=1&b=2`, or `''`. */
export function queryString(query: Record<string, string>): string {
  return new URLSearchParams(query).toString();
}

/** The path with its query appended. */
export function withQuery(path: string, query: Record<string, string>): string {
  if (isEmpty(query)) return path;
  const qs = queryString(query);
  return qs === '' ? path : `${path}?${qs}`;
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

/** Header names in lower case, as every dialect's items may spell them differently. */
export function lowerHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) out[name.toLowerCase()] = String(value);
  return out;
}
