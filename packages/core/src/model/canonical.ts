import type { ErrorCode } from '../errors/error-codes.js';
import type { HttpMethod } from './http-method.js';

/** Query parameters: a name maps to one value or, when repeated, to several. */
export type Query = Record<string, string | string[]>;

/** Header names are lower case; values are single strings. */
export type Headers = Record<string, string>;

/** What happens to the rest of a batch when a sub-request fails. */
export type FailurePolicy = 'continue' | 'stop' | 'atomic';

/** One sub-request of a batch, in the canonical form every dialect maps onto. */
export interface SubRequest {
  /** Position in the batch, from 0. */
  index: number;
  /** The dialect's own id (OData), when it has one. */
  id?: string;
  method: HttpMethod;
  /** Path below the API's base, starting with `/`, still percent-encoded. */
  path: string;
  query: Query;
  /** Headers the sub-request sets itself (lower-case names); inheritance is applied by the executor. */
  headers: Headers;
  body?: unknown;
  /** Failure policy of this sub-request; overrides the batch's. */
  onFail?: FailurePolicy;
  /**
   * Ids (or indexes as strings) of earlier sub-requests that must have succeeded: answered 2xx (a 3xx
   * does not count); or names of earlier atomicity groups, every member of which must have. A name
   * that is both a sub-request's key and a group's is refused (`BATCH_RULE_VIOLATION`).
   */
  dependsOn?: string[];
  /** Sub-requests sharing a group succeed or fail together. */
  atomicityGroup?: string;
  /** Time this sub-request may take, in ms (within the engine's limit). */
  timeoutMs?: number;
  /**
   * The decoder's verdict on this one item (a URL of another origin, an `if` it cannot evaluate):
   * the sub-request fails with this error instead of running; the rest of the batch runs.
   */
  fault?: { code: ErrorCode; message: string };
  /**
   * Run only when every term holds: the earlier sub-request `key` (an id or index, or an atomicity
   * group: every member; listed in `dependsOn`) succeeded (answered 2xx), or did not (`succeeded: false`). Replaces the `dependsOn` rule; when it
   * does not hold the sub-request is skipped with `CONDITION_FALSE` (OData's `if`).
   */
  condition?: ReadonlyArray<{ key: string; succeeded: boolean }>;
}

/** The result of one sub-request. */
export interface SubResult {
  index: number;
  id?: string;
  status: number;
  headers: Headers;
  body: unknown;
  /** True when the sub-request never ran (failure policy, dependency, abort). */
  skipped?: boolean;
  /** The error, when the status is 400 or above. */
  error?: SubError;
}

/** The client-facing description of a failed sub-request. */
export interface SubError {
  code: string;
  message: string;
  details?: unknown;
  /** Present only when the session or the app allows error details. */
  stack?: string | null;
  correlationId?: string;
}

/** Counts of a batch's outcomes. */
export interface BatchSummary {
  succeeded: number;
  failed: number;
  skipped: number;
}

/** A decoded batch: ordered sub-requests plus the options its envelope carried. */
export interface BatchRequest {
  requests: SubRequest[];
  /** The batch-wide failure policy (default `continue`). */
  onFail?: FailurePolicy;
  /** Time the whole batch may take, in ms (within the engine's limit). */
  timeoutMs?: number;
}

/** The outcome of a batch, results in request order. */
export interface BatchResult {
  /**
   * Empty when the run kept `items` instead, or when the request's reader took each result as it
   * streamed and nothing read them afterwards (`EngineRequest.streamOnly`, no watch): `summary` counts them.
   */
  results: SubResult[];
  /**
   * Each result in the dialect's item shape, made as it became final, when the run kept those
   * instead of the results (see `OuterRequest.encodeItem`): `results` is then empty.
   */
  items?: unknown[];
  summary: BatchSummary;
  /** The session the batch ran in, if any. */
  sessionId?: string;
  /**
   * Asked for by the idempotency guard only: true when no sub-request changed anything and at
   * least one failed for a reason that passes (503 `STORE_UNAVAILABLE`, 429 `RATE_LIMITED`), so
   * the batch may run again rather than its answer be replayed (see docs/idempotency.md).
   */
  retryable?: boolean;
}
