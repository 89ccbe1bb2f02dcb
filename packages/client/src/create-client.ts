import { abortError, createAutoBatcher, type Queued } from './auto-batcher.js';
import { createBatchBuilder, type BatchBuilder, type Recorded } from './batch-builder.js';
import { type BatchSend, type Endpoint, runBatch, type Slot } from './batch-runner.js';
import { type ClientDialect, type FailurePolicy, type SubCall, type SubResult, withQuery } from './client-dialect.js';
import { ClientError } from './client-error.js';
import type { AnyResult, CallArgs, CallResult, Method, OperationOf, PathsWith } from './client-types.js';
import { exagoClientDialect } from './exago-client-dialect.js';
import { guidewireClientDialect } from './guidewire-client-dialect.js';
import { odataClientDialect } from './odata-client-dialect.js';
import { type RetryOptions, retryDelay } from './retry-policy.js';
import { type LooseInit, toResult, toSubCall } from './sub-call.js';
import type { BatchSummary, Transport } from './transport.js';

/** The dialects the client speaks, by name. */
export type DialectName = 'exago' | 'odata' | 'guidewire';

const DIALECTS: Record<DialectName, ClientDialect> = {
  exago: exagoClientDialect,
  odata: odataClientDialect,
  guidewire: guidewireClientDialect,
};

/** Options of {@link createClient}. */
export interface ClientOptions {
  transport: Transport;
  /**
   * Batch endpoints by path, with their dialect: `{'/rest/batch': 'exago', '/rest/claim/v1/$batch': 'odata'}`.
   * A call batches under the endpoint whose base (its path without the last segment) is the longest
   * prefix of the call's path; a call under none is sent alone.
   */
  endpoints?: Record<string, DialectName | { dialect: DialectName; maxItems?: number }>;
  /** Headers of every request. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
}

/** Options of an explicit batch. */
export interface BatchOptions {
  /** The endpoint (default: the one the first call's path falls under). */
  endpoint?: string;
  onFail?: FailurePolicy;
  /** Sent as the batch's `Idempotency-Key` header: a retried batch runs once (docs/idempotency.md). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** The answer of an explicit batch. */
export interface BatchResult<R> {
  /** What the builder returned (its typed calls). */
  readonly calls: R;
  readonly status: number;
  readonly results: AnyResult[];
  readonly summary: BatchSummary;
  /** True when every call answered 2xx. */
  allOk(): boolean;
  /** Indexes of the calls that did not answer 2xx. */
  failed(): number[];
  /** Sends the failed calls again as a new batch (calls with references to other calls must not be among them). */
  retryFailed(options?: BatchOptions): Promise<BatchResult<void>>;
}

type CallMethod<P, M extends Method> = <K extends PathsWith<P, M>>(
  path: K,
  ...init: CallArgs<P, K, M>
) => Promise<CallResult<OperationOf<P, K, M>>>;

/** A typed client: one method per HTTP method, explicit batches, and the Exago session it holds. */
export interface Client<P> {
  GET: CallMethod<P, 'GET'>;
  POST: CallMethod<P, 'POST'>;
  PUT: CallMethod<P, 'PUT'>;
  PATCH: CallMethod<P, 'PATCH'>;
  DELETE: CallMethod<P, 'DELETE'>;
  batch<R>(build: (b: BatchBuilder<P>) => R, options?: BatchOptions): Promise<BatchResult<R>>;
  /** The Exago session id the last `POST Sessions` opened; added as `sid` to later ordinary calls. */
  readonly session: string | undefined;
  close(): Promise<void>;
}

/** Creates a typed client over `options.transport`; `P` is openapi-typescript's `paths`. */
export function createClient<P>(options: ClientOptions): Client<P> {
  const { transport } = options;
  const endpoints: Endpoint[] = Object.entries(options.endpoints ?? {}).map(([path, spec]) => {
    const dialect = DIALECTS[typeof spec === 'string' ? spec : spec.dialect];
    if (dialect === undefined) throw new ClientError('UNSUPPORTED', `Unknown dialect of ${path}: ${JSON.stringify(spec)}`);
    const maxItems = typeof spec === 'string' ? dialect.maxItems : (spec.maxItems ?? dialect.maxItems);
    return { path, base: path.slice(0, path.lastIndexOf('/')), dialect, maxItems };
  });
  let session: string | undefined;

  // Longest base first, so the first match is the most specific endpoint.
  const byBase = [...endpoints].sort((a, b) => b.base.length - a.base.length);
  const endpointOf = (path: string) => byBase.find((e) => path.startsWith(e.base) && path.charCodeAt(e.base.length) === 47);
  const isSessionOpen = (e: Endpoint | undefined, call: SubCall) =>
    e?.dialect.name === 'exago' && call.method === 'POST' && call.path === `${e.base}/Sessions`;
  const observe = (call: SubCall, result: SubResult) => {
    if (call.method !== 'POST' || !call.path.endsWith('/Sessions')) return;
    const id = (result.body as { Id?: unknown } | undefined)?.Id;
    if (result.status < 300 && typeof id === 'string' && isSessionOpen(endpointOf(call.path), call)) session = id;
  };

  const single = async (call: SubCall, signal: AbortSignal | undefined): Promise<SubResult> => {
    const e = endpointOf(call.path);
    const query = { ...call.query };
    if (e?.dialect.name === 'exago' && session !== undefined && query.sid === undefined && !isSessionOpen(e, call)) query.sid = session;
    const response = await transport.send({
      method: call.method,
      url: withQuery(call.path, query),
      headers: { ...options.headers, ...call.headers },
      body: call.body,
      signal,
    });
    const result = { status: response.status, headers: response.headers, body: response.body };
    observe(call, result);
    return result;
  };
  const batchOf = (endpoint: Endpoint, slots: readonly Slot[], send: BatchSend = {}) =>
    runBatch(transport, endpoint, slots, { ...send, headers: { ...options.headers, ...send.headers } });

  const enqueue = createAutoBatcher({ single, batch: (endpoint, slots) => batchOf(endpoint, slots) });

  const call = (method: Method) => (path: string, init?: LooseInit) => {
    const sub = toSubCall(method, path, init);
    return new Promise<AnyResult>((resolve, reject) => {
      const signal = init?.signal;
      if (signal?.aborted) return reject(abortError(sub));
      let done = false;
      signal?.addEventListener('abort', () => {
        if (!done) reject(abortError(sub));
        done = true;
      });
      const submit = (attempt: number) =>
        enqueue({
          call: sub,
          signal,
          endpoint: init?.batch === false ? undefined : endpointOf(sub.path),
          settle(result) {
            if (done) return;
            observe(sub, result);
            const delay = retryDelay(sub, result, attempt, options.retry);
            if (delay !== undefined) return void setTimeout(() => submit(attempt + 1), delay);
            done = true;
            resolve(toResult(result));
          },
          fail(error) {
            if (!done) reject(error);
            done = true;
          },
        } satisfies Queued);
      submit(0);
    });
  };

  const batch = async <R>(build: (b: BatchBuilder<P>) => R, opts: BatchOptions = {}): Promise<BatchResult<R>> => {
    const recorded: Recorded[] = [];
    const calls = build(createBatchBuilder<P>(recorded));
    return sendRecorded(calls, recorded, opts);
  };

  const sendRecorded = async <R>(calls: R, recorded: Recorded[], opts: BatchOptions): Promise<BatchResult<R>> => {
    const first = recorded[0];
    if (first === undefined) throw new ClientError('UNSUPPORTED', 'A batch needs at least one call');
    const endpoint = opts.endpoint === undefined ? endpointOf(first.call.path) : endpoints.find((e) => e.path === opts.endpoint);
    if (endpoint === undefined) throw new ClientError('NO_BATCH_ENDPOINT', `No batch endpoint is configured for ${first.call.path}`);
    if (recorded.length > endpoint.maxItems)
      throw new ClientError('BATCH_TOO_LARGE', `${recorded.length} calls: ${endpoint.path} takes at most ${endpoint.maxItems}`);
    const slots = recorded.map((r): Slot => {
      r.signal?.addEventListener('abort', () => r.reject(abortError(r.call)));
      return {
        call: r.call,
        settle: (result) => {
          observe(r.call, result);
          r.resolve(toResult(result));
        },
        fail: r.reject,
      };
    });
    const headers: Record<string, string> = opts.idempotencyKey === undefined ? {} : { 'idempotency-key': opts.idempotencyKey };
    const outcome = await batchOf(endpoint, slots, { policy: opts.onFail, headers, signal: opts.signal });
    const results = outcome.results.map(toResult);
    const failed = () => results.flatMap((r, i) => (r.ok ? [] : [i]));
    return {
      calls,
      status: outcome.status,
      results,
      summary: outcome.summary,
      allOk: () => results.every((r) => r.ok),
      failed,
      retryFailed: (again = {}) =>
        sendRecorded(
          undefined,
          failed().map((i) => ({ ...recorded[i]!, resolve: () => undefined, reject: () => undefined })),
          { endpoint: endpoint.path, ...again },
        ),
    };
  };

  return {
    GET: call('GET'),
    POST: call('POST'),
    PUT: call('PUT'),
    PATCH: call('PATCH'),
    DELETE: call('DELETE'),
    batch,
    get session() {
      return session;
    },
    close: async () => transport.close?.(),
  } as Client<P>;
}
