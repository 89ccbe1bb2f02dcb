import { type ClientDialect, type FailurePolicy, type SubCall, type SubResult, withQuery } from './client-dialect.js';
import { aborted, ClientError, errorCodeOf, errorMessageOf } from './client-error.js';
import { readSummaryHeader } from './summary-header.js';
import type { BatchSummary, Transport, WireResponse, WireResult } from './transport.js';

/** A batch endpoint the client knows: where it is, the base its calls' paths are relative to, its dialect. */
export interface Endpoint {
  path: string;
  base: string;
  dialect: ClientDialect;
  maxItems: number;
  /** Exago only: the path of `POST Sessions`, which opens every batch of this endpoint. */
  sessions?: string;
}

/** One call waiting for its sub-response. */
export interface Slot {
  call: SubCall;
  settle(result: SubResult): void;
  fail(error: Error): void;
}

/** How a batch is sent. */
export interface BatchSend {
  policy?: FailurePolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** False when nobody reads the batch's outcome (automatic batching): no results are kept for it. */
  outcome?: boolean;
  /** Each slot is its own call (the client's pending calls): the envelope is made of the slots as they are. */
  slotsAreCalls?: boolean;
  /**
   * Called instead of failing the slots when the batch of several calls was refused whole as too
   * large (413) before any result came: the caller sends them again in smaller batches.
   */
  tooLarge?: () => void;
}

/** What came back: every sub-response in order, and the summary. */
export interface BatchOutcome {
  status: number;
  results: SubResult[];
  summary: BatchSummary;
}

/**
 * Sends one batch and settles each slot as its item arrives (streamed), or from the whole answer.
 * A batch refused whole rejects every slot with that error. `slots` is the batch's own array: each
 * slot is let go of once its call settled, so a call answered early is not kept until the batch ends.
 * Answers undefined when `send.outcome` is false.
 */
export function runBatch(
  transport: Transport,
  endpoint: Endpoint,
  slots: Array<Slot | undefined>,
  send: BatchSend & { outcome: false },
): Promise<undefined>;
export function runBatch(transport: Transport, endpoint: Endpoint, slots: Array<Slot | undefined>, send?: BatchSend): Promise<BatchOutcome>;
export async function runBatch(
  transport: Transport,
  endpoint: Endpoint,
  slots: Array<Slot | undefined>,
  send: BatchSend = {},
): Promise<BatchOutcome | undefined> {
  const count = slots.length;
  const dialect = endpoint.dialect;
  const results = send.outcome === false ? undefined : new Array<SubResult | undefined>(count);
  let arrived = 0;
  const take = (raw: unknown, index: number, given?: WireResult) => {
    // A slot is let go of once settled: an index out of range, or given twice, finds none.
    const slot = typeof index === 'number' ? slots[index] : undefined;
    if (slot === undefined || send.signal?.aborted) return;
    const result =
      raw === undefined && given !== undefined && dialect.fromResult !== undefined ? dialect.fromResult(given) : dialect.item(raw);
    if (results !== undefined) results[index] = result;
    arrived++;
    slots[index] = undefined;
    slot.settle(result);
  };
  // A 413 before any item arrived, for a batch of several calls the caller can split: it is told so.
  const splitTooLarge = (status: number | undefined): boolean => {
    if (status !== 413 || arrived !== 0 || count <= 1 || send.tooLarge === undefined) return false;
    send.tooLarge();
    return true;
  };
  let response: WireResponse;
  try {
    response = await sendEnvelope(transport, endpoint, slots as Slot[], send, take);
  } catch (error) {
    // A transport that refuses a request too large to send (the WebSocket's maxMessageBytes): as a 413.
    if (error instanceof ClientError && splitTooLarge(error.status)) return undefined;
    for (const slot of slots) slot?.fail(error as Error);
    throw error;
  }
  if (send.signal?.aborted) {
    // The direct transport answers an aborted batch with what ran: the calls still waiting are aborted.
    const error = aborted('POST', endpoint.path);
    for (const slot of slots) slot?.fail(error);
    throw error;
  }
  if (splitTooLarge(response.status)) return undefined;
  // Items that did not stream (a whole answer, a replayed one) are read from the body.
  if (arrived < count && response.summary === undefined && response.status < 300) {
    const items = dialect.items(response.body) ?? [];
    for (let i = 0; i < items.length; i++) take(items[i], i);
  }
  if (arrived < count) {
    const error =
      response.status >= 300
        ? new ClientError(
            'BATCH_REJECTED',
            `POST ${endpoint.path} was refused: ${response.status} ${errorMessageOf(response.body) ?? ''}`.trim(),
            response.status,
            response.body,
            errorCodeOf(response.body),
          )
        : new ClientError('MISSING_RESULT', `POST ${endpoint.path} answered no result for some calls`, response.status, response.body);
    for (const slot of slots) slot?.fail(error);
    throw error;
  }
  if (results === undefined) return undefined;
  const done = results as SubResult[];
  return { status: response.status, results: done, summary: response.summary ?? summaryOf(response.headers, done) };
}

/** Encodes the batch and sends it (a function of its own: the batch's wait holds no reference to the envelope). */
function sendEnvelope(
  transport: Transport,
  endpoint: Endpoint,
  slots: readonly Slot[],
  send: BatchSend,
  onItem: (raw: unknown, index: number, result?: WireResult) => void,
): Promise<WireResponse> {
  const calls = send.slotsAreCalls === true ? (slots as readonly unknown[] as readonly SubCall[]) : slots.map((s) => s.call);
  const envelope = endpoint.dialect.encode(calls, endpoint.base, send.policy);
  return transport.send({
    method: 'POST',
    url: withQuery(endpoint.path, envelope.query),
    headers: { ...envelope.headers, ...send.headers },
    body: envelope.body,
    signal: send.signal,
    onItem,
    readsResults: endpoint.dialect.fromResult !== undefined,
  });
}

function summaryOf(headers: Record<string, string>, results: readonly SubResult[]): BatchSummary {
  const summary = readSummaryHeader(headers);
  if (summary !== undefined) return summary;
  const failed = results.filter((r) => r.status >= 400).length;
  return { succeeded: results.length - failed, failed, skipped: 0 };
}
