import { abortError, type Queued } from './auto-batcher.js';
import type { Endpoint } from './batch-runner.js';
import type { SubCall, SubResult } from './client-dialect.js';
import type { AnyResult, Method } from './client-types.js';
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
 * One plain call between its creation and its answer: the call itself, the slot the batcher fills,
 * its retries, its abort. One object per call, its methods on the prototype, so a tick of N calls
 * makes N of them and no closures (its promise is made with one shared executor); what its answer
 * needs is on this one object, as the answer comes long after the call was made.
 */
export class PendingCall implements Queued, SubCall {
  /** The call whose promise is being made: the shared executor stores its resolvers here (synchronously). */
  static #making: PendingCall | undefined;
  #attempt = 0;
  /** Undefined once the call settled (its promise is then answered): no separate flag per call. */
  #resolve: Resolve | undefined;
  #reject: Reject | undefined;

  private constructor(
    readonly method: Method,
    /** Batched (with an endpoint): the path below the endpoint's base, as the envelope carries it; alone: the full path. */
    private readonly target: string,
    readonly query: Record<string, string>,
    readonly headers: Record<string, string>,
    readonly body: unknown,
    readonly endpoint: Endpoint | undefined,
    readonly signal: AbortSignal | undefined,
    private readonly host: CallHost,
  ) {}

  /**
   * Queues a call, given by the parts a {@link SubCall} names (one by one, so that no object is made
   * for them), and answers the promise it settles: its result, or the error that refused it.
   * `target` is the path below `endpoint`'s base, or the full path of a call without an endpoint.
   */
  static start(
    method: Method,
    target: string,
    query: Record<string, string>,
    headers: Record<string, string>,
    body: unknown,
    endpoint: Endpoint | undefined,
    signal: AbortSignal | undefined,
    host: CallHost,
  ): Promise<AnyResult> {
    const pending = new PendingCall(method, target, query, headers, body, endpoint, signal, host);
    PendingCall.#making = pending;
    const promise = new Promise<AnyResult>(PendingCall.#capture);
    PendingCall.#making = undefined;
    if (signal !== undefined) {
      if (signal.aborted) {
        pending.fail(abortError(pending));
        return promise;
      }
      // The call is its own listener (no closure per call); removed when it settles, so a signal that
      // outlives many calls (an app's shutdown) keeps no listener per call.
      signal.addEventListener('abort', pending, { once: true });
    }
    pending.submit();
    return promise;
  }

  static #capture(resolve: Resolve, reject: Reject): void {
    const pending = PendingCall.#making as PendingCall;
    pending.#resolve = resolve;
    pending.#reject = reject;
  }

  /** The call, as the batcher and the dialects read it. */
  get call(): SubCall {
    return this;
  }

  /** The full path (made when asked: a batched call carries only its part below the base). */
  get path(): string {
    const endpoint = this.endpoint;
    return endpoint === undefined ? this.target : `${endpoint.base}/${this.target}`;
  }

  get relative(): string | undefined {
    return this.endpoint === undefined ? undefined : this.target;
  }

  get opensSession(): boolean {
    return this.method === 'POST' && this.endpoint?.sessions !== undefined && this.target === 'Sessions';
  }

  /** Queues the call (again, for a retry). */
  submit(): void {
    if (this.#resolve !== undefined) this.host.enqueue(this);
  }

  settle(result: SubResult): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    // A `POST .../Sessions`: its answer may carry the Exago session id the client keeps.
    if (this.method === 'POST' && (this.target === 'Sessions' || this.target.endsWith('/Sessions'))) this.host.observe(this, result);
    const status = result.status;
    if (status === 429 || status === 503) {
      const delay = retryDelay(this, result, this.#attempt, this.host.retry);
      if (delay !== undefined) {
        this.#attempt++;
        setTimeout(() => this.submit(), delay);
        return;
      }
    }
    this.#finish();
    resolve(result);
  }

  fail(error: Error): void {
    const reject = this.#reject;
    if (this.#resolve === undefined || reject === undefined) return;
    this.#finish();
    reject(error);
  }

  /** The abort of its signal (the call is the signal's listener). */
  handleEvent(): void {
    this.fail(abortError(this));
  }

  #finish(): void {
    this.#resolve = undefined;
    this.#reject = undefined;
    this.signal?.removeEventListener('abort', this);
  }
}
