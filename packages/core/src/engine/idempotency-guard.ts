import { createHash } from 'node:crypto';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchSummary, Headers } from '../model/canonical.js';
import type { JsonValue, SessionStore } from '../session/session-store.js';
import type { EngineResponse } from './engine-types.js';
import type { EngineOptions } from './engine-options.js';
import { type Logger, stderrLogger } from './logger.js';

/** Options of idempotent retries (`createEngine({ idempotency })`). */
export interface IdempotencyOptions {
  /** How long a key is remembered, in ms (default 24 hours). */
  ttlMs?: number;
  /**
   * How long the "still running" marker holds the key, in ms (default 5 minutes, or the batch
   * deadline when the engine has one). If a node dies mid-batch, retries get 409 for at most this long.
   */
  runningTtlMs?: number;
}

/** The request header that names an idempotent batch. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The response header that marks a stored answer being replayed. */
export const REPLAY_HEADER = 'idempotent-replayed';

const NAMESPACE = 'idempotency';
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

interface StoredRecord {
  state: 'running' | 'done';
  fingerprint: string;
  status?: number;
  headers?: Headers;
  body?: JsonValue;
  summary?: BatchSummary;
}

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
 * (so it holds across nodes) under the endpoint, the caller's Authorization and the key.
 * A retry with the same body gets the stored answer; another body gets 422; a retry while the
 * first is still running gets 409.
 */
export class IdempotencyGuard {
  constructor(
    private readonly store: RecordStore,
    private readonly ttlMs: number,
    private readonly runningTtlMs: number,
    private readonly logger: Logger,
  ) {}

  async run(
    endpoint: string,
    headers: Headers,
    method: string,
    url: string,
    body: string | Uint8Array | undefined,
    work: () => Promise<EngineResponse>,
  ): Promise<EngineResponse> {
    const key = headers[IDEMPOTENCY_HEADER] as string;
    if (!KEY_SHAPE.test(key)) throw new RestBatchError('INVALID_HEADER', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    const caller = sha256(headers.authorization ?? '');
    const name = sha256(`${endpoint}\u0000${caller}\u0000${key}`);
    const fingerprint = sha256(`${method.toUpperCase()} ${url}\u0000`, body);
    const running: StoredRecord = { state: 'running', fingerprint };
    if (!(await this.store.putRecordIfAbsent(NAMESPACE, name, running as unknown as JsonValue, Math.min(this.runningTtlMs, this.ttlMs)))) {
      const found = (await this.store.getRecord(NAMESPACE, name)) as unknown as StoredRecord | undefined;
      // The record expired between the two calls: run as new.
      if (found === undefined) return this.run(endpoint, headers, method, url, body, work);
      if (found.fingerprint !== fingerprint) {
        throw new RestBatchError(
          'IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used with a different request; use a new key for a new batch',
        );
      }
      if (found.state === 'running')
        throw new RestBatchError('CONFLICT', 'A batch with this Idempotency-Key is still running; retry later', {
          headers: { 'retry-after': '1' },
        });
      return {
        status: found.status as number,
        headers: { ...found.headers, [REPLAY_HEADER]: 'true' },
        body: found.body,
        kind: 'batch',
        ...(found.summary === undefined ? {} : { summary: found.summary }),
      };
    }
    let response: EngineResponse;
    try {
      response = await work();
    } catch (error) {
      // A rejected batch ran nothing: forget the key so that a corrected retry can use it.
      await this.#release(name);
      throw error;
    }
    if (response.status >= 500) {
      await this.#release(name);
      return response;
    }
    const done: StoredRecord = { state: 'done', fingerprint, status: response.status, headers: response.headers };
    if (response.body !== undefined) done.body = JSON.parse(JSON.stringify(response.body)) as JsonValue;
    if (response.summary !== undefined) done.summary = response.summary;
    try {
      await this.store.setRecord(NAMESPACE, name, done as unknown as JsonValue, this.ttlMs);
    } catch (error) {
      // The batch ran: its answer must reach the client even if it cannot be kept. The running
      // marker then expires after runningTtlMs, and a later retry runs anew.
      this.logger.error('idempotency record could not be stored', { key: name, error });
    }
    return response;
  }

  /** Frees a key; a store failure here must not hide the answer or error the client is owed. */
  async #release(name: string): Promise<void> {
    try {
      await this.store.deleteRecord(NAMESPACE, name);
    } catch (error) {
      this.logger.error('idempotency key could not be released', { key: name, error });
    }
  }
}

function sha256(text: string, bytes?: string | Uint8Array): string {
  const hash = createHash('sha256').update(text);
  if (bytes !== undefined) hash.update(bytes);
  return hash.digest('hex');
}

/** The engine's guard: idempotent retries are on by default when the store keeps engine-level records. */
export function createIdempotencyGuard(store: SessionStore, options: EngineOptions): IdempotencyGuard | undefined {
  if (options.idempotency === false) return undefined;
  if (!hasRecords(store)) {
    if (options.idempotency !== undefined)
      throw new Error('idempotency needs a session store with the record methods (putRecordIfAbsent, setRecord, getRecord, deleteRecord)');
    return undefined;
  }
  const limit = options.limits?.batchTimeoutMs ?? 0;
  const running = options.idempotency?.runningTtlMs ?? (limit > 0 ? limit + 1000 : 5 * 60 * 1000);
  return new IdempotencyGuard(store, options.idempotency?.ttlMs ?? 24 * 60 * 60 * 1000, running, options.logger ?? stderrLogger);
}
