import { abortError, type Flight, type Queued } from './auto-batcher.js';
import type { Endpoint } from './batch-runner.js';
import { NONE, type SubCall, type SubResult } from './client-dialect.js';
import { clientClosed } from './client-error.js';
import type { AnyResult, Method } from './client-types.js';
import { type RetryOptions, retryDelay } from './retry-policy.js';

/** What a pending call needs of its client. */
export interface CallHost {
  enqueue(queued: Queued): void;
  observe(call: SubCall, result: SubResult): void;
  readonly retry: RetryOptions | undefined;
  /**
   * The calls waiting for a retry (their timer armed): `close()` fails them at once, so that a
   * closed client holds no timer that keeps the process alive or comes due later.
   */
  readonly retrying: Set<PendingCall>;
  /** Set by `close()`: no retry is sent, nor waited for. */
  readonly closed: boolean;
}

type Resolve = (result: AnyResult) => void;

/** What few calls have. */
interface Extras {
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal | undefined;
  /** Retries so far. */
  readonly attempt: number;
  /** The timer of the retry the call waits for (cleared when it settles otherwise: aborted, or its client closed). */
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The extras of a call without any. */
const PLAIN: Extras = Object.freeze({ query: NONE, headers: NONE, signal: undefined, attempt: 0, retryTimer: undefined });

/** A retry's timer came due: the call is queued again (a function of the module: no closure per retry). */
function onRetryTimer(call: PendingCall): void {
  call.retryDue();
}

/** A thenable that rejects with `error`: a promise resolved with it is rejected with `error` (a tick later). */
function rejecting(error: Error): AnyResult {
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose: the promise resolved with it is rejected with `error`
  const thenable = { then: (_resolve: unknown, reject: (reason: Error) => void) => reject(error) };
  return thenable as unknown as AnyResult;
}

/**
 * One plain call between its creation and its answer: the call itself, the slot the batcher fills,
 * its retries, its abort. One object per call, its methods on the prototype, so a tick of N calls
 * makes N of them and no closures (its promise is made with one shared executor); what its answer
 * needs is on this one object, as the answer comes long after the call was made.
 */
export class PendingCall implements Queued, SubCall {
  /** The call whose promise is being made: the shared executor stores its resolvers here (synchronously). */
  static #making: PendingCall | undefined;
  // Fields are declared, not initialised in the class body: the constructor sets each once, in one order.
  declare readonly method: Method;
  /** Batched (with an endpoint): the path below the endpoint's base, as the envelope carries it; alone: the full path. */
  declare private readonly target: string;
  declare readonly body: unknown;
  declare readonly endpoint: Endpoint | undefined;
  declare private readonly host: CallHost;
  /** Its query, headers, signal and retries: {@link PLAIN} (shared) for the many calls that have none. */
  declare private extras: Extras;
  /**
   * Its promise's resolve; undefined once the call settled (no separate flag per call). Its reject
   * is not kept, so that a waiting call holds one function less: {@link PendingCall.fail} resolves
   * the promise with a thenable that rejects it.
   */
  declare private resolveCall: Resolve | undefined;
  /** The request it travels in, while it does (set by the batcher). */
  declare flight: Flight | undefined;

  private constructor(method: Method, target: string, body: unknown, endpoint: Endpoint | undefined, host: CallHost, extras: Extras) {
    this.method = method;
    this.target = target;
    this.body = body;
    this.endpoint = endpoint;
    this.host = host;
    this.extras = extras;
    this.resolveCall = undefined;
    this.flight = undefined;
  }

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
    const extras =
      query === NONE && headers === NONE && signal === undefined ? PLAIN : { query, headers, signal, attempt: 0, retryTimer: undefined };
    const pending = new PendingCall(method, target, body, endpoint, host, extras);
    PendingCall.#making = pending;
    const promise = new Promise<AnyResult>(PendingCall.#capture);
    PendingCall.#making = undefined;
    // A call just made is unsettled: queued without asking.
    if (signal === undefined || pending.#listen(signal)) host.enqueue(pending);
    return promise;
  }

  /**
   * Listens to the call's signal; false when it is aborted already (the call then failed). A method
   * of its own: `start` stays small enough to be inlined whole into its callers, constructor included.
   */
  #listen(signal: AbortSignal): boolean {
    if (signal.aborted) {
      this.fail(abortError(this));
      return false;
    }
    // The call is its own listener (no closure per call); removed when it settles, so a signal that
    // outlives many calls (an app's shutdown) keeps no listener per call.
    signal.addEventListener('abort', this, { once: true });
    return true;
  }

  static #capture(resolve: Resolve): void {
    (PendingCall.#making as PendingCall).resolveCall = resolve;
  }

  get query(): Record<string, string> {
    return this.extras.query;
  }

  get headers(): Record<string, string> {
    return this.extras.headers;
  }

  get signal(): AbortSignal | undefined {
    return this.extras.signal;
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

  get waiting(): boolean {
    return this.resolveCall !== undefined;
  }

  get opensSession(): boolean {
    return this.method === 'POST' && this.endpoint?.sessions !== undefined && this.target === 'Sessions';
  }

  /** Queues the call again: its retry came due. */
  retryDue(): void {
    this.extras.retryTimer = undefined;
    this.host.retrying.delete(this);
    if (this.resolveCall !== undefined) this.host.enqueue(this);
  }

  settle(result: SubResult): void {
    const resolve = this.resolveCall;
    if (resolve === undefined) return;
    // A `POST .../Sessions`: its answer may carry the Exago session id the client keeps. A batched
    // call's target is below its endpoint's base, which the client found as observe() finds it:
    // only `Sessions` there can be the endpoint's own (no string search per POST).
    if (this.method === 'POST' && (this.endpoint === undefined ? this.target.endsWith('/Sessions') : this.target === 'Sessions'))
      this.host.observe(this, result);
    // Its request is done with it (even when it is sent again: that is a new request).
    this.leave(false);
    const status = result.status;
    if (status === 429 || status === 503) {
      const delay = retryDelay(this, result, this.extras.attempt, this.host.retry);
      if (delay !== undefined) {
        // Its client closed while it was in flight: the retry could not be sent (see CallHost.retrying).
        if (this.host.closed) {
          this.fail(clientClosed(this.method, this.path));
          return;
        }
        const extras = this.extras;
        // Its signal's abort and its client's close() clear the timer (see finish).
        this.extras = { ...extras, attempt: extras.attempt + 1, retryTimer: setTimeout(onRetryTimer, delay, this) };
        this.host.retrying.add(this);
        return;
      }
    }
    this.finish();
    resolve(result);
  }

  fail(error: Error): void {
    const resolve = this.resolveCall;
    if (resolve === undefined) return;
    this.finish();
    this.leave(false);
    resolve(rejecting(error));
  }

  /** The abort of its signal (the call is the signal's listener). */
  handleEvent(): void {
    const resolve = this.resolveCall;
    if (resolve === undefined) return;
    this.finish();
    // The last call of its request to leave it by abort aborts the request.
    this.leave(true);
    resolve(rejecting(abortError(this)));
  }

  private finish(): void {
    this.resolveCall = undefined;
    const extras = this.extras;
    extras.signal?.removeEventListener('abort', this);
    if (extras.retryTimer === undefined) return;
    // Settled while it waited for a retry (aborted, or its client closed): nothing comes due later.
    clearTimeout(extras.retryTimer);
    extras.retryTimer = undefined;
    this.host.retrying.delete(this);
  }

  private leave(byAbort: boolean): void {
    const flight = this.flight;
    if (flight === undefined) return;
    this.flight = undefined;
    flight.leave(byAbort);
  }
}
