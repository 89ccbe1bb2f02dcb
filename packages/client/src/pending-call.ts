import { abortError, type Queued } from './auto-batcher.js';
import type { Endpoint } from './batch-runner.js';
import type { SubCall, SubResult } from './client-dialect.js';
import type { AnyResult } from './client-types.js';
import { type RetryOptions, retryDelay } from './retry-policy.js';

/** What a pending call needs of its client. */
export interface CallHost {
  enqueue(queued: Queued): void;
  observe(call: SubCall, result: SubResult): void;
  readonly retry: RetryOptions | undefined;
}

type Resolve = (result: AnyResult) => void;
type Reject = (error: Error) => void;

/**
 * One plain call between its creation and its answer: the slot the batcher fills, its retries, its
 * abort. One object per call, its methods on the prototype, so a tick of N calls makes N of them and
 * no closures (its promise is made with one shared executor, see {@link PendingCall.start}).
 */
export class PendingCall implements Queued {
  /** The call whose promise is being made: the shared executor stores its resolvers here (synchronously). */
  static #making: PendingCall | undefined;
  #attempt = 0;
  #done = false;
  #onAbort: (() => void) | undefined;
  #resolve: Resolve | undefined;
  #reject: Reject | undefined;

  private constructor(
    readonly call: SubCall,
    readonly endpoint: Endpoint | undefined,
    readonly signal: AbortSignal | undefined,
    private readonly host: CallHost,
  ) {}

  /** Queues `call` and answers the promise it settles: its result, or the error that refused it. */
  static start(call: SubCall, endpoint: Endpoint | undefined, signal: AbortSignal | undefined, host: CallHost): Promise<AnyResult> {
    const pending = new PendingCall(call, endpoint, signal, host);
    PendingCall.#making = pending;
    const promise = new Promise<AnyResult>(PendingCall.#capture);
    PendingCall.#making = undefined;
    if (signal !== undefined) {
      if (signal.aborted) {
        pending.fail(abortError(call));
        return promise;
      }
      // Removed when the call settles: a signal that outlives many calls (an app's shutdown) keeps no listener per call.
      pending.#onAbort = () => pending.fail(abortError(call));
      signal.addEventListener('abort', pending.#onAbort, { once: true });
    }
    pending.submit();
    return promise;
  }

  static #capture(resolve: Resolve, reject: Reject): void {
    const pending = PendingCall.#making as PendingCall;
    pending.#resolve = resolve;
    pending.#reject = reject;
  }

  /** Queues the call (again, for a retry). */
  submit(): void {
    if (!this.#done) this.host.enqueue(this);
  }

  settle(result: SubResult): void {
    if (this.#done) return;
    const host = this.host;
    host.observe(this.call, result);
    const delay = retryDelay(this.call, result, this.#attempt, host.retry);
    if (delay !== undefined) {
      this.#attempt++;
      setTimeout(() => this.submit(), delay);
      return;
    }
    this.#finish();
    (this.#resolve as Resolve)(result);
  }

  fail(error: Error): void {
    if (this.#done) return;
    this.#finish();
    (this.#reject as Reject)(error);
  }

  #finish(): void {
    this.#done = true;
    if (this.#onAbort !== undefined) this.signal?.removeEventListener('abort', this.#onAbort);
  }
}
