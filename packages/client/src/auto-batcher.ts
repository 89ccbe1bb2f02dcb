import type { Endpoint, Slot } from './batch-runner.js';
import type { SubCall, SubResult } from './client-dialect.js';
import { ClientError } from './client-error.js';

/** A queued call: its slot, the endpoint it batches under (none: sent alone) and its abort signal. */
export interface Queued extends Slot {
  endpoint: Endpoint | undefined;
  signal?: AbortSignal;
  /** Whether the call is the `POST Sessions` of its (Exago) endpoint, which opens each batch of it. */
  readonly opensSession: boolean;
}

/** What the batcher needs of the client. */
export interface BatcherHost {
  /** Sends one call alone, as an ordinary request. */
  single(call: SubCall, signal: AbortSignal | undefined): Promise<SubResult>;
  /** Sends a group of calls of one endpoint as one batch (the array is the batch's own: runBatch lets go of each call as it settles). */
  batch: (endpoint: Endpoint, slots: Slot[]) => Promise<unknown>;
}

/**
 * Coalesces the calls made in one tick: each endpoint's calls go out as batches of at most
 * `maxItems`, in call order; groups are sent one after another, so order holds across batches too.
 */
export function createAutoBatcher(host: BatcherHost): (queued: Queued) => void {
  let queue: Queued[] = [];
  let chain: Promise<void> = Promise.resolve();
  const flush = async (calls: Queued[]) => {
    for (const group of plan(calls)) {
      if (group.endpoint === undefined) {
        const q = group.calls[0]!;
        await host.single(q.call, q.signal).then(
          (result) => q.settle(result),
          (error: Error) => q.fail(error),
        );
      } else await host.batch(group.endpoint, group.calls).catch(() => undefined);
    }
  };
  return (queued) => {
    queue.push(queued);
    if (queue.length > 1) return;
    queueMicrotask(() => {
      const calls = queue;
      queue = [];
      chain = chain.then(() => flush(calls));
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
 * aborted, and on Exago opened by its only `POST Sessions`. The tick's own array is then the batch.
 */
function oneBatch(calls: Queued[]): Group[] | undefined {
  const endpoint = calls[0]?.endpoint;
  if (endpoint === undefined || calls.length > endpoint.maxItems) return undefined;
  const sessions = endpoint.sessions;
  for (let i = 0; i < calls.length; i++) {
    const q = calls[i] as Queued;
    if (q.endpoint !== endpoint || q.signal?.aborted) return undefined;
    if (sessions !== undefined && q.opensSession !== (i === 0)) return undefined;
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
    const exago = endpoint.sessions !== undefined;
    const opensSession = exago && q.opensSession;
    if (exago && !opensSession && group === undefined) {
      // An Exago batch must start with `POST Sessions`: without one, the call goes alone (with the session id).
      groups.push({ endpoint: undefined, calls: [q] });
      continue;
    }
    if (group === undefined || group.calls.length >= endpoint.maxItems || opensSession) {
      if (group !== undefined && exago && !opensSession) {
        groups.push({ endpoint: undefined, calls: [q] });
        continue;
      }
      group = { endpoint, calls: [] };
      open.set(endpoint, group);
      groups.push(group);
    }
    group.calls.push(q);
  }
  return groups;
}

/** The error of a call aborted by its signal. */
export function abortError(call: SubCall): ClientError {
  return new ClientError('ABORTED', `${call.method} ${call.path} was aborted`);
}
