import type { DependencyContainer } from 'tsyringe';
import type { Dialect } from '../dialects/dialect.js';
import type { ErrorEncoder } from '../errors/error-encoder.js';
import type { ErrorMappingOptions } from '../errors/error-mapping.js';
import type { RoutedBatch } from '../executor/routed-batch.js';
import type { HeaderRuleOptions } from '../headers/header-rule.js';
import type { HttpMethod } from '../model/http-method.js';
import type { Headers } from '../model/canonical.js';
import type { ResourceInput } from '../routing/route-table.js';
import type { Session } from '../session/session.js';
import type { SessionStore } from '../session/session-store.js';
import type { PolicyOptions } from '../policy/call-policy.js';
import type { IdempotencyOptions } from './idempotency-guard.js';
import type { Logger } from './logger.js';
import type { ObserveOptions } from '../observe/observer.js';
import type { SchemaFormat } from '../validation/create-ajv.js';

/** A batch endpoint of an API: a path below the API's base and the dialect it speaks. */
export interface BatchEndpointOptions {
  /** Path below the base, such as `batch` or `$batch`. */
  path: string;
  dialect: Dialect;
  /** Overrides the dialect's default. */
  maxSubRequests?: number;
  /** Overrides the dialect's default: read any Content-Type as JSON. */
  anyContentType?: boolean;
  /** Let a `sid` parameter on the batch run it in an existing session (Exago's later behaviour). */
  allowExistingSession?: boolean;
}

/** Session handling of an API. */
export interface ApiSessionOptions {
  /** Query parameter that names the session in ordinary calls (default `sid`). */
  param?: string;
}

/** One API mounted on the engine: a base path, its resources and its batch endpoints. */
export interface ApiOptions {
  /** Base path, such as `/rest` or `/rest/claim/v1`. */
  base: string;
  resources: readonly ResourceInput[];
  batch?: readonly BatchEndpointOptions[];
  /**
   * The error shape of ordinary calls: a dialect or `problemDetails` (default: the first batch
   * endpoint's dialect; RFC 9457 problem details for an API without batch endpoints).
   */
  errors?: ErrorEncoder;
  /** Sessions are looked up by a query parameter; `false` (default) for APIs without sessions. */
  sessions?: ApiSessionOptions | false;
  /** Whether errors carry stack traces and internal messages for this session (default never). */
  errorDetail?: (session: Session | undefined) => boolean;
  /** Checks run on every batch of this API before anything runs (config names, ...). */
  prechecks?: readonly BatchPrecheck[];
  /** Registers the API's own services in the engine's container, before its resources resolve. */
  register?: (container: DependencyContainer) => void;
}

/**
 * A check on a whole decoded batch before it runs; throw a `RestBatchError` to reject it. Rules
 * about which resource a sub-request names read `routed` (the routes the router matched, after it
 * decoded each path), never the path's text: `Session%73` is `Sessions`.
 */
export type BatchPrecheck = (
  requests: readonly { method: HttpMethod; path: string; query: Record<string, string | string[]>; body?: unknown }[],
  routed: RoutedBatch,
) => void;

/** Engine-wide limits and budgets: input limits are checked before work starts, budgets as the work goes. */
export interface EngineLimits {
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Deepest JSON nesting (default 64). */
  maxDepth: number;
  /** Longest JSON string (default 262144). */
  maxStringLength: number;
  /** Most sub-requests of any batch, whatever the dialect allows (default 10000). */
  maxSubRequests: number;
  /** Time one sub-request may take, in ms; 0 for none (default 0). */
  subRequestTimeoutMs: number;
  /** Time a whole batch may take, in ms; 0 for none (default 0). */
  batchTimeoutMs: number;
  /**
   * Time each undo step of a rollback may take, in ms (default 10000); 0 for none. A step that has
   * not settled by then fails (its signal aborts), the next one runs, and the run answers 500
   * `ROLLBACK_INCOMPLETE`. It governs a rollback even after the batch's deadline or the client's
   * abort: the undo still runs, within this limit per step.
   */
  rollbackTimeoutMs: number;
  /** Most headers of an outer request, repeated names counted per value (default 100). */
  maxRequestHeaders: number;
  /** Most bytes (names plus values) of an outer request's headers (default 16 KiB, as node:http). */
  maxRequestHeaderBytes: number;
  /**
   * Characters that a batch's references may expand to, all sub-requests together, measured before
   * anything is built (default 8 MiB); past it a sub-request fails with REFERENCES_TOO_LARGE (413).
   */
  maxResolvedBytes: number;
  /**
   * Most references (`${...}`, `$ref:`, an OData `$<id>` path prefix) a batch may hold, all
   * sub-requests together (default 10000); more refuse the whole batch with 400
   * `REFERENCES_TOO_MANY` before anything runs. Finding them is one piece of work before the batch
   * starts: this bounds how long it holds the event loop.
   */
  maxReferences: number;
  /**
   * Most references one sub-request may hold (default 1000); more refuse the whole batch with 400
   * `REFERENCES_TOO_MANY` before anything runs. A sub-request's references are resolved in one
   * piece, between two turns of the loop: this bounds how long that piece takes.
   */
  maxReferencesPerSubRequest: number;
  /**
   * Characters of JSON that a batch's results may hold, all together (default 32 MiB); a result that
   * does not fit is replaced by RESULTS_TOO_LARGE (507) in its slot. Counted as `JSON.stringify`
   * writes them: a string's escapes included (a control character takes 6, `\u0001`).
   */
  maxResultBytes: number;
  /**
   * Most levels of nesting of one sub-request's result (default 256, at most 512); a deeper one is
   * replaced by RESULT_TOO_DEEP (507) in its slot. `maxDepth` bounds what a client sends, but
   * references place earlier results inside payloads, so a handler that answers what it is given
   * can make each result deeper than the last; past a few thousand levels no transport can write
   * the answer (V8's stack).
   */
  maxResultDepth: number;
  /**
   * Characters of JSON that the results of all batches running at once may hold, together (default
   * 256 MiB; at least `maxResultBytes`). A batch holds its results from when each is kept until its
   * answer is handed to the transport; a result that does not fit in what other batches leave is
   * replaced by RESULTS_BUSY (503, Retry-After) in its slot.
   */
  maxResultBytesInFlight: number;
  /**
   * Bytes of request bodies that all requests running at once may hold, together, as the engine
   * estimates them (default 256 MiB). A body is charged from when the engine gets it (bytes as
   * received, or a value a transport copied) and, before its text is parsed, for the value the
   * parser will make: two bytes per byte of text for its strings, and its structure counted on the
   * text (48 bytes per object or array, 24 per value, 200 more per member: a body of 1 MiB of `{}`
   * parses to 22 MiB), all of it until the request ends (its last sub-request has run). A body that
   * does not fit in what other requests leave refuses the request with INPUT_BUSY (503,
   * Retry-After) before it is parsed; a request alone always gets its charge.
   */
  maxInputBytesInFlight: number;
  /**
   * Longest time in ms a batch holds the event loop before it lets other work run (default 10);
   * 0 never yields (only for trusted, in-process callers). Batches running side by side take the
   * loop's turns in order: one turn runs their slices for this long together, then lets I/O in.
   */
  yieldIntervalMs: number;
  /**
   * Most live sessions one caller keeps (default 100): creating one more ends that caller's
   * least-recently-used session. The caller is the authenticated identity, else the remote
   * address (see `PolicyOptions.identityKey`). Always kept below the store's `maxSessions`.
   */
  maxSessionsPerCaller: number;
  /** Most idempotency records one caller keeps (default 100): one more drops that caller's oldest. */
  maxIdempotencyRecordsPerCaller: number;
  /** Most idempotency records kept in total (default 10000); one more fails with `RECORD_LIMIT` (503). */
  maxIdempotencyRecords: number;
  /**
   * Largest answer kept for replay, in bytes of JSON (default 256 KiB). A larger answer goes out
   * with `Idempotency-Status: not-stored`, and a retry gets 422 `IDEMPOTENCY_NOT_STORED`.
   */
  maxIdempotencyRecordBytes: number;
  /** Most bytes of all idempotency records kept (default 64 MiB); answers past it are not stored. */
  maxIdempotencyBytes: number;
}

/** What the authentication hook sees of an outer request. */
export interface AuthRequest {
  readonly headers: Readonly<Headers>;
  readonly transport: string;
  readonly remoteAddress?: string;
}

/**
 * Options of `createEngine()`; the policy hooks (authenticate, authorize, rateLimit) are in
 * {@link PolicyOptions}, `errorMapper` and `codes` (an app's own errors) in {@link ErrorMappingOptions},
 * the observe hooks and `telemetry` (OpenTelemetry) in {@link ObserveOptions}. `Identity` is what
 * `authenticate` returns, inferred from it.
 */
export interface EngineOptions<Identity = unknown> extends PolicyOptions<Identity>, ErrorMappingOptions, ObserveOptions {
  apis: readonly ApiOptions[];
  /** Where sessions live (default: a new `MemorySessionStore`, private to this engine). */
  store?: SessionStore;
  /** Idle lifetime of sessions in ms (default 20 minutes). */
  sessionTtlMs?: number;
  /** Parent DI container; the engine makes a child of it (default: tsyringe's root container). */
  container?: DependencyContainer;
  headers?: HeaderRuleOptions;
  limits?: Partial<EngineLimits>;
  /**
   * Idempotent retries of batches sent with an `Idempotency-Key` header (default on, keys kept
   * 24 hours, when the store has the record methods); `false` turns them off.
   */
  idempotency?: IdempotencyOptions | false;
  /**
   * A pino-compatible logger (`error(fields, message)`; a pino instance fits as it is). Default:
   * {@link consoleLogger} at level `warn`. Old `(message, fields)` loggers: wrap with `fromLegacyLogger`.
   */
  logger?: Logger;
  /**
   * Formats the routes' JSON Schemas may name besides the standard ones, which are always checked
   * (`date-time`, `email`, `uri`, `uuid`, ... through ajv-formats): by name, a RegExp the whole
   * string must match or a test of the string; a standard name replaces that format. A schema that
   * names a format known to neither fails `createEngine`.
   */
  formats?: Readonly<Record<string, SchemaFormat>>;
}
