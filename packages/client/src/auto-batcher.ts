import type { Endpoint, Slot } from './batch-runner.js';
import type { SubCall, SubResult } from './client-dialect.js';
import { aborted, ClientError } from './client-error.js';

/** A queued call: its slot, the endpoint it batches under (none: sent alone) and its abort signal. */
export interface Queued extends Slot {
  endpoint: Endpoint | undefined;
  signal?: AbortSignal;
  /** Whether the call is the `POST Sessions` of its (Exago) endpoint, which opens each batch of it. */
  readonly opensSession: boolean;
  /** Whether the call still waits for its answer (it may have been aborted while queued). */
  readonly waiting: boolean;
  /** The request the call travels in, set by the batcher while it does; the call tells it when it settles. */
  flight: Flight | undefined;
}

/** What the batcher needs of the client. */
export interface BatcherHost {
  /** Sends one call alone, as an ordinary request; `signal` aborts that request. */
  single(call: SubCall, signal: AbortSignal | undefined): Promise<SubResult>;
  /**
   * Sends a group of calls of one endpoint as one batch (the array is the batch's own: runBatch lets
   * go of each call as it settles); `signal` aborts the batch's request.
   */
  batch: (endpoint: Endpoint, slots: Queued[], signal?: AbortSignal) => Promise<unknown>;
}

/**
 * One request of the batcher (a batch, or a call sent alone) and the calls it carries. It ends when
 * every one of them settled (answered, refused, aborted or waiting for a retry), which may be before
 * the request completes; when some were aborted, the request is then aborted too: nobody waits for it.
 */
export class Flight {
  /**
   * Aborts the request once every call left it, some by abort; made only when a call of it has a
   * signal (no other can abort it): a request without one is sent without a signal, which an
   * in-process engine would otherwise race every handler of its batch with.
   */
  readonly controller: AbortController | undefined;
  /** Resolves when the flight ends. */
  readonly ended: Promise<void>;
  /** How many calls it carries (those of its group still waiting when it starts). */
  readonly count: number;
  /** Ends the flight (its request completed). */
  readonly close: () => void;
  private waiting = 0;
  private aborted = false;

  constructor(calls: readonly Queued[]) {
    let end!: () => void;
    this.ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.close = end;
    let count = 0;
    let abortable = false;
    for (const q of calls) {
      if (!q.waiting) continue;
      q.flight = this;
      count++;
      if (q.signal !== undefined) abortable = true;
    }
    this.count = count;
    this.controller = abortable ? new AbortController() : undefined;
    this.waiting = count;
    if (count === 0) end();
  }

  /** A call of the flight settled (`byAbort`: its signal aborted it). */
  leave(byAbort: boolean): void {
    if (byAbort) this.aborted = true;
    if (--this.waiting === 0) {
      if (this.aborted) this.controller?.abort();
      this.close();
    }
  }
}

/**
 * Coalesces the calls made in one tick: each endpoint's calls go out as batches of at most
 * `maxItems`, in call order. Each request is sent once every call of the one before it settled
 * (not once its response completed: a call aborted, or answered before its response ends, does
 * not hold up the calls after it), so order holds across batches and ticks.
 */
export function createAutoBatcher(host: BatcherHost): (queued: Queued) => void {
  let queue: Queued[] = [];
  let chain: Promise<void> = Promise.resolve();
  const flush = async (calls: Queued[]) => {
    for (const group of plan(calls)) {
      const flight = new Flight(group.calls);
      if (flight.count === 0) continue;
      const signal = flight.controller?.signal;
      if (group.endpoint === undefined) {
        const q = group.calls[0]!;
        host.single(q.call, signal).then(
          (result) => q.settle(result),
          (error: Error) => q.fail(error),
        );
      } else {
        // Calls aborted while earlier groups ran leave the batch; not on Exago, whose batch must keep
        // its opening `POST Sessions` (an aborted call's answer is ignored).
        const endpoint = group.endpoint;
        const slots =
          flight.count === group.calls.length || endpoint.sessions !== undefined ? group.calls : group.calls.filter((q) => q.waiting);
        // A batch settles each of its calls before it settles: its end ends the flight (if a call was not settled, it waits no longer).
        host.batch(endpoint, slots, signal).then(flight.close, flight.close);
      }
      await flight.ended;
    }
  };
  // The tick's calls so far. Its array is made as long as the last tick's, and stored into by index:
  // a tick of N calls grows no array N times over (each growth a copy, and garbage).
  let count = 0;
  return (queued) => {
    if (count < queue.length) queue[count] = queued;
    else queue.push(queued);
    if (++count > 1) return;
    queueMicrotask(() => {
      const calls = queue;
      // A tick of fewer calls than the last: the array ends at its last call.
      if (count < calls.length) calls.length = count;
      queue = new Array<Queued>(count);
      count = 0;
      // Whatever a flush throws fails the calls of its tick still waiting, and the chain goes on:
      // a later tick is never held behind a rejected one.
      chain = chain
        .then(() => flush(calls))
        .catch((error: unknown) => {
          const reason =
            error instanceof ClientError
              ? error
              : new ClientError('INVALID_CALL', `The call could not be sent: ${(error as Error)?.message ?? String(error)}`);
          for (const q of calls) q.fail(reason);
        });
    });
  };
}

interface Group {
  endpoint: Endpoint | undefined;
  calls: Queued[];
}

/** Splits one tick's calls (less those aborted) into batches: per endpoint, `maxItems` each, Exago's runs at each `POST Sessions`. */
function plan(calls: Queued[]): Group[] {
  return oneBatch(calls) ?? groupsOf(calls.filter((q) => !q.signal?.aborted));
}

/**
 * The usual tick, checked in one pass: every call under one endpoint, within its `maxItems`, none
 * aborted, and on Exago opened by its only `POST Sessions`, none that must go alone (a call the
 * envelope cannot carry, see `ClientDialect.callProblem`). The tick's own array is then the batch.
 */
function oneBatch(calls: Queued[]): Group[] | undefined {
  const endpoint = calls[0]?.endpoint;
  if (endpoint === undefined || calls.length > endpoint.maxItems) return undefined;
  const sessions = endpoint.sessions;
  const callProblem = endpoint.dialect.callProblem;
  for (let i = 0; i < calls.length; i++) {
    const q = calls[i] as Queued;
    if (q.endpoint !== endpoint || q.signal?.aborted) return undefined;
    if (sessions !== undefined && q.opensSession !== (i === 0)) return undefined;
    if (callProblem !== undefined && callProblem(q.call, endpoint.base) !== undefined) return undefined;
  }
  return [{ endpoint, calls }];
}

function groupsOf(calls: readonly Queued[]): Group[] {
  const groups: Group[] = [];
  const open = new Map<Endpoint, Group>();
  for (const q of calls) {
    const endpoint = q.endpoint;
    if (endpoint === undefined) {
      groups.push({ endpoint: undefined, calls: [q] });
      continue;
    }
    let group = open.get(endpoint);
    if (endpoint.sessions === undefined) {
      if (endpoint.dialect.callProblem?.(q.call, endpoint.base) !== undefined) {
        // The server would refuse the whole batch for it: it goes alone, as an ordinary request
        // (answering what it would made alone), and the endpoint's later calls of the tick in a new
        // batch after it, so that call order holds.
        open.delete(endpoint);
        groups.push({ endpoint: undefined, calls: [q] });
        continue;
      }
      if (group === undefined || group.calls.length >= endpoint.maxItems) {
        group = { endpoint, calls: [] };
        open.set(endpoint, group);
        groups.push(group);
      }
      group.calls.push(q);
      continue;
    }
    const goesAlone = endpoint.dialect.callProblem?.(q.call, endpoint.base) !== undefined;
    if (q.opensSession && !goesAlone) {
      group = { endpoint, calls: [q] };
      open.set(endpoint, group);
      groups.push(group);
    } else if (group === undefined || group.calls.length >= endpoint.maxItems || goesAlone) {
      // An Exago batch must start with `POST Sessions`: without one in the batch (or with what a batch
      // cannot carry), the call goes alone, with the session id; the endpoint's later calls of the
      // tick then go alone too, so that none is sent before it.
      open.delete(endpoint);
      groups.push({ endpoint: undefined, calls: [q] });
    } else group.calls.push(q);
  }
  return groups;
}

/** The error of a call aborted by its signal. */
export function abortError(call: SubCall): ClientError {
  return aborted(call.method, call.path);
}
