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

/**
 * One plain call between its creation and its answer: the slot the batcher fills, its retries, its
 * abort. One object per call, its methods on the prototype, so a tick of N calls makes N of them and
 * no closures.
 */
export class PendingCall implements Queued {
  #attempt = 0;
  #done = false;
  #onAbort: (() => void) | undefined;

  constructor(
    readonly call: SubCall,
    readonly endpoint: Endpoint | undefined,
    readonly signal: AbortSignal | undefined,
    private readonly host: CallHost,
    private readonly resolve: (result: AnyResult) => void,
    private readonly reject: (error: Error) => void,
  ) {
    if (signal === undefined) return;
    if (signal.aborted) this.fail(abortError(call));
    else {
      // Removed when the call settles: a signal that outlives many calls (an app's shutdown) keeps no listener per call.
      this.#onAbort = () => this.fail(abortError(call));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** Queues the call (again, for a retry). */
  submit(): void {
    if (!this.#done) this.host.enqueue(this);
  }

  settle(result: SubResult): void {
    if (this.#done) return;
    this.host.observe(this.call, result);
    const delay = retryDelay(this.call, result, this.#attempt, this.host.retry);
    if (delay !== undefined) {
      this.#attempt++;
      setTimeout(() => this.submit(), delay);
      return;
    }
    this.#finish();
    this.resolve(result);
  }

  fail(error: Error): void {
    if (this.#done) return;
    this.#finish();
    this.reject(error);
  }

  #finish(): void {
    this.#done = true;
    if (this.#onAbort !== undefined) this.signal?.removeEventListener('abort', this.#onAbort);
  }
}
