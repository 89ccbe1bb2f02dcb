import { abortError, createAutoBatcher, type Queued } from './auto-batcher.js';
import { answer, emptyResult, sessionOf, skipped } from './batch-answer.js';
import { type BatchBuilder, type BatchRecord, createBatchBuilder, type Recorded, wireCalls } from './batch-builder.js';
import { type BatchSend, type Endpoint, runBatch, type Slot } from './batch-runner.js';
import {
  type ClientDialect,
  type FailurePolicy,
  NONE,
  refusedCall,
  resultOf,
  type SubCall,
  type SubResult,
  withQuery,
} from './client-dialect.js';
import { ClientError, clientClosed } from './client-error.js';
import type { AnyResult, CallArgs, CallResult, Method, OperationOf, PathsWith } from './client-types.js';
import { exagoClientDialect } from './exago-client-dialect.js';
import { guidewireClientDialect } from './guidewire-client-dialect.js';
import { odataClientDialect } from './odata-client-dialect.js';
import { type CallHost, PendingCall } from './pending-call.js';
import type { RetryOptions } from './retry-policy.js';
import {
  callHeaders,
  callPath,
  callQuery,
  callSignal,
  encodeSegment,
  fillBelow,
  internal,
  isSignal,
  type LooseInit,
  type TemplateCache,
} from './sub-call.js';
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
  /**
   * Sends the failed calls again as a new batch (calls with references to other calls must not be
   * among them); on Exago, once the batch's session is open, as ordinary calls in that session, one
   * by one in order. Nothing failed: resolves with an empty result, and sends nothing.
   */
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
  /**
   * The Exago session id the last `POST Sessions` opened. Each Exago API's own kept session is added
   * as `sid` to its later ordinary calls (never to another API's).
   */
  readonly session: string | undefined;
  close(): Promise<void>;
}

/**
 * The header of a batch whose strings are all text (docs/references.md): every automatic batch, and
 * an explicit batch without references, so that no text a user wrote is read as a reference.
 */
const LITERAL = { 'restbatch-references': 'none' } as const;
const POLICIES: readonly unknown[] = ['continue', 'stop', 'atomic'];

/** Refuses options a JavaScript caller can pass against the types (no transport, retry counts that are not numbers). */
function checkClientOptions(options: ClientOptions): void {
  if (options === null || typeof options !== 'object')
    throw new ClientError('INVALID_OPTIONS', 'createClient(options): options must be an object with a transport');
  if (typeof (options.transport as Partial<Transport> | undefined)?.send !== 'function')
    throw new ClientError('INVALID_OPTIONS', 'options.transport must be a transport (httpTransport, wsTransport or directTransport)');
  const retry = options.retry;
  if (retry === undefined) return;
  if (retry === null || typeof retry !== 'object') throw new ClientError('INVALID_OPTIONS', 'options.retry must be an object');
  if (retry.attempts !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 0))
    throw new ClientError('INVALID_OPTIONS', `retry.attempts must be an integer of 0 or more, not ${String(retry.attempts)}`);
  for (const name of ['maxDelayMs', 'defaultDelayMs'] as const) {
    const value = retry[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0))
      throw new ClientError('INVALID_OPTIONS', `retry.${name} must be a finite number of 0 or more, not ${String(value)}`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function checkBatchOptions(opts: BatchOptions): void {
  if (opts === null || typeof opts !== 'object') throw new ClientError('INVALID_OPTIONS', 'batch options must be an object');
  if (opts.signal !== undefined && !isSignal(opts.signal))
    throw new ClientError('INVALID_OPTIONS', 'options.signal must be an AbortSignal');
  if (opts.onFail !== undefined && !POLICIES.includes(opts.onFail))
    throw new ClientError('INVALID_OPTIONS', `onFail must be 'continue', 'stop' or 'atomic', not ${JSON.stringify(opts.onFail)}`);
  if (opts.idempotencyKey !== undefined && (typeof opts.idempotencyKey !== 'string' || opts.idempotencyKey === ''))
    throw new ClientError('INVALID_OPTIONS', `idempotencyKey must be a non-empty string, not ${JSON.stringify(opts.idempotencyKey)}`);
}

function toEndpoint(path: string, spec: DialectName | { dialect: DialectName; maxItems?: number }): Endpoint {
  const name = typeof spec === 'string' ? spec : spec?.dialect;
  const dialect = Object.hasOwn(DIALECTS, name) ? DIALECTS[name] : undefined;
  if (dialect === undefined)
    throw new ClientError(
      'INVALID_OPTIONS',
      `endpoints['${path}']: unknown dialect ${JSON.stringify(name)} (choose exago, odata or guidewire)`,
    );
  if (!path.startsWith('/') || path.lastIndexOf('/') === path.length - 1)
    throw new ClientError(
      'INVALID_OPTIONS',
      `endpoints['${path}']: a batch endpoint is a path that starts with / and names the endpoint, such as /rest/batch`,
    );
  const maxItems = typeof spec === 'string' || spec.maxItems === undefined ? dialect.maxItems : spec.maxItems;
  if (!Number.isInteger(maxItems) || maxItems < 1)
    throw new ClientError('INVALID_OPTIONS', `endpoints['${path}'].maxItems must be a positive integer, not ${String(maxItems)}`);
  const base = path.slice(0, path.lastIndexOf('/'));
  return { path, base, dialect, maxItems, sessions: dialect.name === 'exago' ? `${base}/Sessions` : undefined };
}

/** A path whose last segment names a batch endpoint as the dialects do (`batch`, `$batch`, in any case or escape of `$`). */
const BATCH_SEGMENT = /\/(?:\$|%24)?batch$/i;

/** Creates a typed client over `options.transport`; `P` is openapi-typescript's `paths`. */
export function createClient<P>(options: ClientOptions): Client<P> {
  checkClientOptions(options);
  const { transport } = options;
  const endpoints: Endpoint[] = Object.entries(options.endpoints ?? {}).map(([path, spec]) => toEndpoint(path, spec));
  const templates: TemplateCache = new Map();
  let session: string | undefined;
  // Set by close(): no call is sent after it.
  let closed = false;

  // Longest base first, so the first match is the most specific endpoint.
  const byBase = [...endpoints].sort((a, b) => b.base.length - a.base.length);
  const endpointOf = (path: string): Endpoint | undefined => {
    for (const e of byBase) if (path.startsWith(e.base) && path.charCodeAt(e.base.length) === 47) return e;
    return undefined;
  };
  /**
   * The endpoint of a call made of `template`, kept on the template when its fixed start decides it
   * (a parameter only after every base), with its parts below that endpoint's base.
   */
  const endpointOfCall = (template: string, path: string): Endpoint | undefined => {
    const known = templates.get(template);
    if (known?.endpoint !== undefined) return known.endpoint ?? undefined;
    // A batch endpoint's own path goes alone: a batch cannot hold a batch (the server would refuse
    // the whole batch, 400 BATCH_NESTED, and every call of the tick with it).
    const endpoint = isBatchPath(path) ? undefined : endpointOf(path);
    const fixed = template.indexOf('{');
    if (known !== undefined && (fixed < 0 || byBase.every((e) => fixed > e.base.length))) {
      known.endpoint = endpoint ?? null;
      // Its text as a property key (interned): a call of a template without parameters carries this
      // one string, which compares with a literal (`Sessions`) by identity.
      if (endpoint !== undefined)
        known.below = [internal((known.parts[0] as string).slice(endpoint.base.length + 1)), ...known.parts.slice(1)];
    }
    return endpoint;
  };
  /** Whether `path` names a batch endpoint: one of `options.endpoints`, or any whose last segment is `batch` or `$batch`. */
  const isBatchPath = (path: string): boolean => BATCH_SEGMENT.test(path) || endpoints.some((e) => e.path === path);
  // The session each Exago API opened last (by its endpoint: one API's session is never sent to another).
  const kept = new Map<Endpoint, string>();
  const observe = (call: SubCall, result: SubResult) => {
    const e = endpointOf(call.path);
    if (e?.sessions === undefined || !result.ok) return;
    const id = kept.get(e);
    // The kept session deleted: later calls must not name it.
    if (call.method === 'DELETE' && id !== undefined && call.path === `${e.sessions}/${encodeSegment(id)}`) {
      kept.delete(e);
      if (session === id) session = undefined;
      return;
    }
    if (call.method !== 'POST' || call.path !== e.sessions) return;
    const opened = (result.data as { Id?: unknown } | undefined)?.Id;
    if (typeof opened !== 'string') return;
    kept.set(e, opened);
    session = opened;
  };

  const single = async (call: SubCall, signal: AbortSignal | undefined): Promise<SubResult> => {
    const e = endpointOf(call.path);
    const sid = e === undefined ? undefined : kept.get(e);
    let query = call.query;
    if (sid !== undefined && query.sid === undefined && !(call.method === 'POST' && call.path === e!.sessions)) query = { ...query, sid };
    const response = await transport.send({
      method: call.method,
      url: withQuery(call.path, query),
      headers: { ...options.headers, ...call.headers },
      body: call.body,
      signal,
    });
    const result = resultOf(response.status, response.headers, response.body);
    observe(call, result);
    return result;
  };
  // A call queued before close() but sent after it fails too: nothing opens the transport again.
  const openSingle = (call: SubCall, signal: AbortSignal | undefined): Promise<SubResult> =>
    closed ? Promise.reject(clientClosed(call.method, call.path)) : single(call, signal);
  const batchOf = (endpoint: Endpoint, slots: Slot[], send: BatchSend = {}) =>
    runBatch(transport, endpoint, slots, { ...send, headers: { ...options.headers, ...send.headers } });
  // An automatic batch: its slots are the pending calls the client queued (each its own call, settling
  // itself), and nobody reads its outcome. The client's headers are copied into each envelope's own;
  // its strings are all text (a plain call makes no reference), so it says so.
  const autoHeaders = { ...options.headers, ...LITERAL };
  // Its signal is the batcher's (when a call of it has one): aborted once every call of the batch
  // settled and one was aborted.
  // A batch the server refused as too large (413, the body over its limit) before anything ran is
  // sent again as two halves, and so on: each call alone fits, so each gets its own answer. An Exago
  // half without its opening `POST Sessions` goes call by call, as ordinary calls in the session.
  // Each half answers for its own calls only: one refused whole (runBatch failed each of its calls)
  // does not keep the next from being sent, and a call aborted before its half is sent is left out.
  const autoBatch = async (endpoint: Endpoint, slots: Queued[], signal?: AbortSignal): Promise<void> => {
    if (closed) {
      for (const slot of slots) slot.fail(clientClosed(slot.call.method, slot.call.path));
      return;
    }
    let split = false;
    const tooLarge = () => {
      split = true;
    };
    await runBatch(transport, endpoint, slots, { headers: autoHeaders, outcome: false, slotsAreCalls: true, signal, tooLarge });
    if (!split) return;
    const half = Math.ceil(slots.length / 2);
    const rest = slots.slice(half);
    await sendHalf(endpoint, slots.slice(0, half), signal);
    if (endpoint.sessions === undefined) return sendHalf(endpoint, rest, signal);
    for (const slot of rest) {
      if (!slot.waiting) continue;
      await openSingle(slot.call, signal).then(
        (result) => slot.settle(result),
        (error: Error) => slot.fail(error),
      );
    }
  };
  /**
   * Sends one half of a split batch, less the calls no longer waiting (aborted while the half before
   * ran); an Exago half keeps its opening `POST Sessions` (a batch must start with it; an aborted
   * call's answer is ignored), as the batcher's groups do.
   */
  const sendHalf = async (endpoint: Endpoint, slots: Queued[], signal: AbortSignal | undefined): Promise<void> => {
    const live = slots.filter((q, i) => q.waiting || (i === 0 && q.opensSession));
    if (!live.some((q) => q.waiting)) return;
    // Refused whole, it failed its calls itself: the caller goes on with the next half.
    await autoBatch(endpoint, live, signal).catch(() => undefined);
  };

  const batcher = createAutoBatcher({ single: openSingle, batch: autoBatch });
  const host: CallHost = {
    // After close(), a new call fails: nothing reopens the transport.
    enqueue: (queued) => (closed ? queued.fail(clientClosed(queued.call.method, queued.call.path)) : batcher(queued)),
    observe,
    retry: options.retry,
    retrying: new Set(),
    get closed() {
      return closed;
    },
  };
  const call =
    (method: Method) =>
    (path: string, init?: LooseInit): Promise<AnyResult> => {
      // Batched, the call carries its path below its endpoint's base (the envelope's form), made once.
      let target: string;
      let endpoint: Endpoint | undefined;
      let query: Record<string, string>;
      let headers: Record<string, string>;
      let signal: AbortSignal | undefined;
      const alone = init?.batch === false;
      const params = init?.params;
      try {
        const known = alone ? undefined : templates.get(path);
        const below = known?.below;
        if (below !== undefined) {
          // The usual call: a template whose endpoint is known, filled below its base at once.
          endpoint = known!.endpoint as Endpoint;
          target = fillBelow(method, path, known!, params?.path);
        } else {
          const full = callPath(method, path, init, templates);
          endpoint = alone ? undefined : endpointOfCall(path, full);
          target = endpoint === undefined ? full : full.slice(endpoint.base.length + 1);
        }
        query = params?.query === undefined ? NONE : callQuery(method, path, init);
        headers = init?.headers === undefined ? NONE : callHeaders(method, path, init);
        signal = callSignal(method, path, init);
        // fetch refuses a GET with a body, and no dialect's envelope carries one: the caller's error.
        if (method === 'GET' && init?.body !== undefined)
          throw new ClientError('INVALID_CALL', `GET ${path}: a GET takes no body; send the data as query parameters`);
      } catch (error) {
        return Promise.reject(error);
      }
      return PendingCall.start(method, target, query, headers, init?.body, endpoint, signal, host);
    };

  const batch = async <R>(build: (b: BatchBuilder<P>) => R, opts: BatchOptions = {}): Promise<BatchResult<R>> => {
    const record: BatchRecord = { calls: [], tokens: new Set() };
    let calls: R;
    try {
      if (closed) throw clientClosed('POST', 'batch');
      if (typeof build !== 'function') throw new ClientError('INVALID_CALL', 'client.batch(build): build must be a function b => { ... }');
      calls = build(createBatchBuilder<P>(record, templates));
      if (isThenable(calls)) {
        // Calls made after its first await would find the batch sent: refused whole, none left waiting.
        calls.then(undefined, () => undefined);
        throw new ClientError('INVALID_CALL', 'client.batch(build): build must make its calls synchronously (not an async function)');
      }
    } catch (error) {
      record.closed = true;
      // The builder threw (a bad call, or its own error): nothing is sent, and the calls it made reject with it.
      for (const r of record.calls) r.reject(error as Error);
      return Promise.reject(error);
    }
    record.closed = true;
    return sendRecorded(calls, record, opts);
  };

  // A batch refused before it is sent: every call of it rejects with the batch's error (none is left waiting).
  const sendRecorded = <R>(calls: R, record: BatchRecord, opts: BatchOptions): Promise<BatchResult<R>> =>
    sendChecked(calls, record, opts).catch((error: Error) => {
      for (const r of record.calls) r.reject(error);
      throw error;
    });

  const sendChecked = async <R>(calls: R, record: BatchRecord, opts: BatchOptions): Promise<BatchResult<R>> => {
    checkBatchOptions(opts);
    const recorded = record.calls;
    const first = recorded[0];
    if (first === undefined) throw new ClientError('EMPTY_BATCH', 'client.batch(b => ...) made no call: a batch needs at least one');
    const endpoint = opts.endpoint === undefined ? endpointOf(first.call.path) : endpoints.find((e) => e.path === opts.endpoint);
    if (endpoint === undefined)
      throw new ClientError(
        'NO_BATCH_ENDPOINT',
        opts.endpoint === undefined
          ? `No batch endpoint is configured for ${first.call.path}: add one to options.endpoints`
          : `${opts.endpoint} is not one of options.endpoints (${endpoints.map((e) => e.path).join(', ') || 'none'})`,
      );
    if (recorded.length > endpoint.maxItems)
      throw new ClientError('BATCH_TOO_LARGE', `${recorded.length} calls: ${endpoint.path} takes at most ${endpoint.maxItems}`);
    const nested = recorded.findIndex((r) => isBatchPath(r.call.path));
    if (nested >= 0) {
      const call = recorded[nested]!.call;
      throw new ClientError(
        'INVALID_CALL',
        `${call.method} ${call.path} (call ${nested} of the batch) names a batch endpoint: a batch cannot contain a batch (the server would refuse the whole batch)`,
      );
    }
    const refused = refusedCall(
      endpoint.dialect,
      recorded.map((r) => r.call),
      endpoint.base,
    );
    // Nothing is sent: every call of the batch rejects with it (see sendRecorded), as the batch does.
    if (refused !== undefined) throw refused;
    const wire = wireCalls(recorded, record.tokens);
    const slots = recorded.map((r, i): Slot => {
      const onAbort = () => r.reject(abortError(r.call));
      // Already aborted: its result rejects now. It is still sent: later calls may refer to it by its index.
      if (r.signal?.aborted) onAbort();
      else r.signal?.addEventListener('abort', onAbort, { once: true });
      const release = () => r.signal?.removeEventListener('abort', onAbort);
      return {
        call: wire.calls[i]!,
        settle: (result) => {
          release();
          observe(r.call, result);
          r.resolve(result);
        },
        fail: (error) => {
          release();
          r.reject(error);
        },
      };
    });
    const headers: Record<string, string> = wire.literal ? { ...LITERAL } : {};
    if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
    const outcome = await batchOf(endpoint, slots, { policy: opts.onFail, headers, signal: opts.signal });
    const results = outcome.results;
    return answer(calls, outcome.status, results, outcome.summary, async (again = {}) => {
      checkBatchOptions(again);
      const resend = results.flatMap((r, i) => (r.ok ? [] : [recorded[i]!]));
      if (resend.length === 0) return emptyResult();
      const referring = resend.find((r) => r.refers === true);
      if (referring !== undefined)
        throw new ClientError(
          'REFERENCE_IN_RETRY',
          `${referring.call.method} ${referring.call.path} refers to another call of its batch: its index would change in a new batch, so it cannot be re-sent alone`,
        );
      const target = again.endpoint === undefined ? endpoint : endpoints.find((e) => e.path === again.endpoint);
      const first = resend[0]!.call;
      // Exago: a batch must open with `POST Sessions`; once the batch's session is open, its failed calls are ordinary calls in it.
      if (target?.sessions !== undefined && !(first.method === 'POST' && first.path === target.sessions))
        return retryInSession(resend, sessionOf(recorded, results, target.sessions), again);
      const fresh = resend.map((r): Recorded => ({ call: r.call, resolve: () => undefined, reject: () => undefined }));
      return sendRecorded(undefined, { calls: fresh, tokens: new Set() }, { endpoint: endpoint.path, ...again });
    });
  };

  /** Re-sends an Exago batch's failed calls as ordinary calls in session `sid`, one by one in order. */
  const retryInSession = async (resend: readonly Recorded[], sid: string | undefined, opts: BatchOptions): Promise<BatchResult<void>> => {
    checkBatchOptions(opts);
    if (resend.length === 0) return emptyResult();
    if (sid === undefined)
      throw new ClientError('UNSUPPORTED', 'retryFailed(): the Exago batch opened no session to re-send its failed calls in');
    if (opts.onFail === 'atomic' || opts.idempotencyKey !== undefined)
      throw new ClientError(
        'UNSUPPORTED',
        "retryFailed() of an Exago batch sends its failed calls as ordinary calls in the batch's session: no onFail: 'atomic' nor idempotencyKey (give each call its own Idempotency-Key header)",
      );
    const results: SubResult[] = [];
    let stopped = false;
    for (const r of resend) {
      if (stopped) results.push(skipped(r.call));
      else {
        const result = await single({ ...r.call, query: { ...r.call.query, sid } }, opts.signal);
        results.push(result);
        stopped = !result.ok && opts.onFail === 'stop';
      }
    }
    const skippedCount = results.filter((r) => !r.ok && r.status === 424 && r.code === 'SKIPPED').length;
    const failedCount = results.filter((r) => !r.ok).length - skippedCount;
    const summary = { succeeded: results.length - failedCount - skippedCount, failed: failedCount, skipped: skippedCount };
    return answer(undefined, 200, results, summary, (again) =>
      retryInSession(
        resend.filter((_, i) => !results[i]!.ok),
        sid,
        again ?? {},
      ),
    );
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
    close: async () => {
      closed = true;
      // A call waiting for its retry fails now, its timer cleared: a closed client keeps no timer
      // that holds the process alive, and sends nothing when it would have come due.
      for (const waiting of host.retrying) waiting.fail(clientClosed(waiting.method, waiting.path));
      await transport.close?.();
    },
  } as Client<P>;
}
