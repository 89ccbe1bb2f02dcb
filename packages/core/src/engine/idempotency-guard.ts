import { REFERENCES_HEADER } from '../headers/references-header.js';
import { withCode } from '../errors/setup-error-codes.js';
import { TIMEOUT_HEADER } from '../executor/timeouts.js';
import { jsonSizeWithin, snapshot } from '../executor/snapshot.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchSummary, Headers } from '../model/canonical.js';
import type { JsonValue, RecordLimits, SessionStore } from '../session/session-store.js';
import type { EngineLimits, EngineOptions } from './engine-options.js';
import type { EngineResponse } from './engine-types.js';
import { type Logger, serializeError, stderrLogger } from './logger.js';
import { MarkerRenewal } from './marker-renewal.js';
import { sha256 } from './sha256.js';
import { utf8Length } from '../json/utf8-length.js';

/** Options of idempotent retries (`createEngine({ idempotency })`); their budgets are in `EngineLimits`. */
export interface IdempotencyOptions {
  /** How long a key is remembered, in ms (default 24 hours). */
  ttlMs?: number;
  /**
   * Lifetime of the "still running" marker, in ms (default 30 s). The node running the batch
   * renews it every third of this, so a long batch keeps its key; if that node dies, retries get
   * 409 (with `Retry-After` the seconds left) for at most this long, then run as new.
   */
  runningTtlMs?: number;
}

/** The request header that names an idempotent batch. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The response header that marks a stored answer being replayed. */
export const REPLAY_HEADER = 'idempotent-replayed';
/** The response header that says an answer was too large to keep: a retry will not replay it. */
export const IDEMPOTENCY_STATUS_HEADER = 'idempotency-status';

const NAMESPACE = 'idempotency';
/** The shape an Idempotency-Key must have: 1 to 255 visible ASCII characters (no space). */
export const IDEMPOTENCY_KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

interface StoredRecord {
  /** `not-stored`: the batch ran, its answer was too large to keep. */
  state: 'running' | 'done' | 'not-stored';
  fingerprint: string;
  /** Running only: when the marker expires unless renewed (ms since the epoch). */
  expiresAt?: number;
  status?: number;
  headers?: Headers;
  body?: JsonValue;
  summary?: BatchSummary;
}

/** The budgets of {@link IdempotencyGuard}, from `EngineLimits`. */
export type IdempotencyLimits = Pick<
  EngineLimits,
  'maxIdempotencyRecordsPerCaller' | 'maxIdempotencyRecords' | 'maxIdempotencyRecordBytes' | 'maxIdempotencyBytes'
>;

/**
 * The answer of a batch run under a key: `retryable` when no sub-request changed anything and at
 * least one failed for a reason that passes (see `RetryVerdict`): the key is then released, not kept.
 */
export type KeyedAnswer = EngineResponse & { retryable?: boolean };

/** What the guard needs of a record-capable store. */
type RecordStore = Required<Pick<SessionStore, 'putRecordIfAbsent' | 'setRecord' | 'getRecord' | 'deleteRecord'>>;

/** True when `store` implements the optional engine-level record methods. */
export function hasRecords(store: SessionStore): store is SessionStore & RecordStore {
  return (
    store.putRecordIfAbsent !== undefined &&
    store.setRecord !== undefined &&
    store.getRecord !== undefined &&
    store.deleteRecord !== undefined
  );
}

/**
 * Runs a batch sent with an `Idempotency-Key` once: the answer is kept in the session store
 * (so it holds across nodes) under the endpoint, the caller and the key. The caller is the
 * authenticated identity, else the `Authorization` header, else the remote address, so two
 * callers never share a record. A retry with the same body gets the stored answer; another body
 * gets 422; a retry while the first is still running gets 409 with the seconds its marker has
 * left; a retry of an answer too large to keep gets 422 `IDEMPOTENCY_NOT_STORED`.
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: RecordStore,
    private readonly ttlMs: number,
    private readonly runningTtlMs: number,
    private readonly limits: IdempotencyLimits,
    private readonly logger: Logger,
  ) {}

  /**
   * Whose records a request reads and writes: the caller key when an identity names the caller
   * (`identity` is its text), else the `Authorization` header, else the caller key (the address).
   */
  scope(identity: string | undefined, headers: Headers, callerKey: string): string {
    const authorization = headers.authorization;
    if (identity !== undefined || authorization === undefined) return callerKey;
    return `auth:${hexDigest(Array.isArray(authorization) ? authorization.join('\n') : authorization)}`;
  }

  /** Runs `work` once per key of `scope`; `owner` is whom the record is counted against. */
  async run(
    endpoint: string,
    scope: string,
    owner: string,
    headers: Headers,
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    work: () => Promise<KeyedAnswer>,
  ): Promise<EngineResponse> {
    const key = headers[IDEMPOTENCY_HEADER] as string;
    if (!IDEMPOTENCY_KEY_SHAPE.test(key))
      throw new RestBatchError('INVALID_HEADER', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    const name = hexDigest(`${endpoint}\u0000${scope}\u0000${key}`);
    const fingerprint = hexDigest(`${method.toUpperCase()} ${url}${batchOptions(headers)}\u0000`, body);
    const limits: RecordLimits = {
      owner,
      maxPerOwner: this.limits.maxIdempotencyRecordsPerCaller,
      maxRecords: this.limits.maxIdempotencyRecords,
      maxBytes: this.limits.maxIdempotencyBytes,
    };
    const markerTtl = Math.min(this.runningTtlMs, this.ttlMs);
    const running = (): JsonValue => ({ state: 'running', fingerprint, expiresAt: Date.now() + markerTtl });
    for (;;) {
      if (await this.store.putRecordIfAbsent(NAMESPACE, name, running(), markerTtl, limits)) break;
      const found = (await this.store.getRecord(NAMESPACE, name)) as unknown as StoredRecord | undefined;
      // The record expired between the two calls: try again to run as new.
      if (found !== undefined) return replay(found, fingerprint);
    }
    const renewal = new MarkerRenewal(() => this.store.setRecord(NAMESPACE, name, running(), markerTtl), markerTtl, this.logger);
    let answer: KeyedAnswer;
    try {
      answer = await work();
    } catch (error) {
      // A rejected batch ran nothing: forget the key so that a corrected retry can use it.
      await renewal.stop();
      await this.#release(name);
      throw error;
    }
    await renewal.stop();
    const { retryable, ...response } = answer;
    // A batch that changed nothing and failed for a reason that passes (the store unreachable, a
    // rate limit) is not kept: its 503 or 429 says "retry", and a replay would repeat it for the
    // key's lifetime. Every other answer is, whatever its sub-requests answered: they may have
    // changed something, which must not happen twice. The IETF draft leaves which errors to keep
    // to the server ("For other 4xx/5xx errors, such as 401, 403, 500, 502, 503, 504, 429, ... the
    // client SHOULD act appropriately by following the resource server's documentation").
    if (response.status >= 500 || retryable === true) {
      await this.#release(name);
      return response;
    }
    return this.#keep(name, fingerprint, response, limits);
  }

  /** Stores the answer for replay, or a small "not stored" record when it is too large to keep. */
  async #keep(name: string, fingerprint: string, response: EngineResponse, limits: RecordLimits): Promise<EngineResponse> {
    const done: StoredRecord = { state: 'done', fingerprint, status: response.status, headers: response.headers };
    if (response.summary !== undefined) done.summary = response.summary;
    try {
      // The JSON size without the text first (a lower bound of its bytes), walked only until it
      // passes the cap, so a large answer is neither serialized nor read whole here; then one
      // serialization measures the rest exactly, and a copy is made only of an answer small enough to keep.
      const max = this.limits.maxIdempotencyRecordBytes;
      const body = response.body;
      const text = body === undefined || jsonSizeWithin(body, max) > max ? undefined : JSON.stringify(body);
      const bodyBytes = body === undefined ? 0 : text === undefined ? Number.POSITIVE_INFINITY : utf8Length(text) + 8;
      const small = utf8Length(JSON.stringify(done)) + bodyBytes <= max;
      if (small && text !== undefined) done.body = JSON.parse(text) as JsonValue;
      if (small && (await this.store.setRecord(NAMESPACE, name, done as unknown as JsonValue, this.ttlMs, limits)) !== false) {
        return response;
      }
      // Too large to keep: remember only that it ran, so a retry is told instead of running twice.
      const notStored: StoredRecord = { state: 'not-stored', fingerprint };
      await this.store.setRecord(NAMESPACE, name, notStored as unknown as JsonValue, this.ttlMs, { ...limits, maxBytes: Infinity });
    } catch (error) {
      // The batch ran: its answer must reach the client even if it cannot be kept. The running
      // marker then expires after runningTtlMs, and a later retry runs anew.
      this.logger.error({ key: name, err: serializeError(error) }, 'idempotency record could not be stored');
    }
    return { ...response, headers: { ...response.headers, [IDEMPOTENCY_STATUS_HEADER]: 'not-stored' } };
  }

  /** Frees a key; a store failure here must not hide the answer or error the client is owed. */
  async #release(name: string): Promise<void> {
    try {
      await this.store.deleteRecord(NAMESPACE, name);
    } catch (error) {
      this.logger.error({ key: name, err: serializeError(error) }, 'idempotency key could not be released');
    }
  }
}

/**
 * The outer headers that change what the same body does (never passed to sub-requests): the
 * failure policy (`Prefer`, OData §19.4), the deadline (`RestBatch-Timeout`) and whether strings
 * are read for references (`RestBatch-References`). A retry that changes one of them is another
 * request (422). Absent headers add nothing, so a record kept before they counted still matches;
 * inherited headers (tracing, language) do not count, so a retry may vary them.
 */
function batchOptions(headers: Headers): string {
  let options = '';
  for (const name of FINGERPRINT_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    // The references header had its own spelling before the others counted: kept, so old records still match.
    options += name === REFERENCES_HEADER ? ' references=none' : ` ${name}=${JSON.stringify(value)}`;
  }
  return options;
}

/** In the order their text is appended to a fingerprint. */
const FINGERPRINT_HEADERS = [REFERENCES_HEADER, 'prefer', TIMEOUT_HEADER] as const;

/** The answer to a retry that found a record. */
function replay(found: StoredRecord, fingerprint: string): EngineResponse {
  if (found.fingerprint !== fingerprint) {
    throw new RestBatchError(
      'IDEMPOTENCY_MISMATCH',
      'This Idempotency-Key was used with a different request; use a new key for a new batch',
    );
  }
  if (found.state === 'running') {
    const seconds = Math.max(1, Math.ceil(((found.expiresAt ?? 0) - Date.now()) / 1000));
    throw new RestBatchError('CONFLICT', 'A batch with this Idempotency-Key is still running; retry later', {
      headers: { 'retry-after': String(seconds) },
    });
  }
  if (found.state === 'not-stored') {
    throw new RestBatchError(
      'IDEMPOTENCY_NOT_STORED',
      'The batch with this Idempotency-Key ran, but its answer was too large to keep; it is not run again',
    );
  }
  return {
    status: found.status as number,
    headers: { ...found.headers, [REPLAY_HEADER]: 'true' },
    // A copy: the caller must not share (or be able to change) the stored record.
    body: found.body === undefined ? undefined : snapshot(found.body).value,
    kind: 'batch',
    ...(found.summary === undefined ? {} : { summary: found.summary }),
  };
}

function hexDigest(text: string, bytes?: string | Uint8Array): string {
  return sha256(bytes === undefined ? [text] : [text, bytes], 'hex');
}

/** The engine's guard: idempotent retries are on by default when the store keeps engine-level records. */
export function createIdempotencyGuard(
  store: SessionStore,
  options: EngineOptions,
  limits: IdempotencyLimits,
): IdempotencyGuard | undefined {
  if (options.idempotency === false) return undefined;
  if (!hasRecords(store)) {
    if (options.idempotency !== undefined)
      throw withCode(
        new Error('idempotency needs a session store with the record methods (putRecordIfAbsent, setRecord, getRecord, deleteRecord)'),
        'INVALID_OPTIONS',
      );
    return undefined;
  }
  const ttlMs = options.idempotency?.ttlMs ?? 24 * 60 * 60 * 1000;
  const runningTtlMs = options.idempotency?.runningTtlMs ?? 30_000;
  return new IdempotencyGuard(store, ttlMs, runningTtlMs, limits, options.logger ?? stderrLogger);
}
