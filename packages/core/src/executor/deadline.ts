import { RestBatchError } from '../errors/restbatch-error.js';

function ignore(): void {}

/** The longest delay `setTimeout` keeps (2^31 − 1 ms); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Settles a handler's promise, or fails it at once when a signal aborts. One race at a time (a
 * batch runs its sub-requests in order), so the pending race is one field: no listener or set per
 * sub-request. A settled race clears it.
 */
class Racer {
  /** The racer whose race promise is being made: the shared executor stores its resolvers there (synchronously). */
  static #making: Racer | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  /** The pending {@link Racer.race}'s resolvers (one race at a time, as for `settle`). */
  #raceResolve: ((value: unknown) => void) | undefined;
  #raceReject: ((reason: unknown) => void) | undefined;
  /** The handler's outcome, handed to the pending race: made once per racer, not per race. */
  readonly #onValue = (value: unknown): void => {
    const resolve = this.#raceResolve;
    this.#raceResolve = this.#raceReject = undefined;
    resolve?.(value);
  };
  readonly #onReason = (reason: unknown): void => {
    const reject = this.#raceReject;
    this.#raceResolve = this.#raceReject = undefined;
    reject?.(reason);
  };
  /** The signal is aborted (only `abort` aborts it): a field read instead of the signal's getter. */
  aborted = false;
  // Made when the signal is first read or aborted: most batches and calls never read it, and an
  // AbortController with its signal costs a few microseconds (more than a small batch's bookkeeping).
  #controller: AbortController | undefined;

  /** The signal handlers see; aborted once {@link abort} ran. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** Aborts the signal and the pending race with `reason`. */
  abort(reason: unknown): void {
    this.aborted = true;
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
    const reject = this.#reject;
    this.#reject = undefined;
    reject?.(reason);
    this.#onReason(reason);
  }

  /**
   * A promise that settles as `promise` does, or rejects with the abort's reason as soon as the
   * signal aborts: what `settle` does, without a closure per race (one promise and one `then`).
   * A handler that settles after the abort reaches no race: an aborted racer starts none, so the
   * shared callbacks find none pending.
   */
  race(promise: Promise<unknown>): Promise<unknown> {
    if (this.aborted) {
      promise.catch(ignore);
      return Promise.reject(this.signal.reason);
    }
    Racer.#making = this;
    const raced = new Promise(Racer.#capture);
    Racer.#making = undefined;
    promise.then(this.#onValue, this.#onReason);
    return raced;
  }

  static #capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
    const racer = Racer.#making as Racer;
    racer.#raceResolve = resolve;
    racer.#raceReject = reject;
  }

  /**
   * Settles to `done(value)` when `promise` fulfils, to `failed(reason)` when it rejects or as soon
   * as the signal aborts. One promise, not a race and a `then`: a sub-request pays one promise and
   * one turn of the microtask queue less (each costs more under an async context manager).
   */
  settle<T, R>(promise: Promise<T>, done: (value: T) => R, failed: (reason: unknown) => R): Promise<R> {
    if (this.aborted) {
      promise.catch(ignore);
      return Promise.reject(this.signal.reason).then(undefined, failed);
    }
    return new Promise<R>((resolve, reject) => {
      const fail = (reason: unknown) => {
        if (this.#reject === fail) this.#reject = undefined;
        try {
          resolve(failed(reason));
        } catch (error) {
          reject(error);
        }
      };
      this.#reject = fail;
      promise.then((value) => {
        if (this.#reject === fail) this.#reject = undefined;
        try {
          resolve(done(value));
        } catch (error) {
          reject(error);
        }
      }, fail);
    });
  }
}

/** The batch's signal: the outer signal plus an optional deadline; one timer, always cleared. */
export class Deadline {
  readonly #racer = new Racer();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = () => this.#racer.abort(this.#outer?.reason);
  readonly #timeoutMs: number;
  readonly #expiresAt: number;
  readonly unbounded: boolean;

  constructor(outer: AbortSignal | undefined, timeoutMs: number) {
    this.#outer = outer;
    this.unbounded = outer === undefined && timeoutMs <= 0;
    this.#timeoutMs = Math.min(timeoutMs, MAX_TIMER_MS);
    this.#expiresAt = timeoutMs > 0 ? performance.now() + this.#timeoutMs : Number.POSITIVE_INFINITY;
    if (outer !== undefined) {
      if (outer.aborted) this.#racer.abort(outer.reason);
      else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    }
    if (timeoutMs > 0) this.#timer = setTimeout(() => this.#expire(), this.#timeoutMs);
  }

  /** The batch's signal, made when first read (a sub-request's context reads it only when its handler does). */
  get signal(): AbortSignal {
    return this.#racer.signal;
  }

  /**
   * Whether the batch must stop: aborted, or past its deadline by the clock (a batch whose handlers
   * never wait would otherwise outrun its own timer). `now` is `performance.now()`.
   */
  stopped(now: number): boolean {
    if (!this.#racer.aborted && now >= this.#expiresAt) this.#expire();
    return this.#racer.aborted;
  }

  /** Stops the batch with `reason` (a streaming reader failed, ...). */
  abort(reason: unknown): void {
    this.#racer.abort(reason);
  }

  #expire(): void {
    this.#racer.abort(new RestBatchError('TIMEOUT', `The batch deadline of ${this.#timeoutMs} ms passed`));
  }

  /** Settles as `promise` does, or rejects with the abort's reason once the signal aborts (see `HeldAnswer`). */
  race(promise: Promise<unknown>): Promise<unknown> {
    return this.#racer.race(promise);
  }

  /** `done(value)` once `promise` fulfils; `failed(reason)` once it rejects or the signal aborts. */
  settle<T, R>(promise: Promise<T>, done: (value: T) => R, failed: (reason: unknown) => R): Promise<R> {
    return this.#racer.settle(promise, done, failed);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

/** One sub-request's timeout, chained to the batch's signal. */
export class SubTimer {
  readonly #racer = new Racer();
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal;
  readonly #onParentAbort = () => this.#racer.abort(this.#parent.reason);

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.#parent = parent;
    // A parent aborted already fires no event: the sub-request starts aborted, with its reason.
    if (parent.aborted) this.#racer.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    this.#timer = setTimeout(
      () => {
        this.#racer.abort(new RestBatchError('TIMEOUT', `The sub-request took longer than its ${timeoutMs} ms timeout`));
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
  }

  get signal(): AbortSignal {
    return this.#racer.signal;
  }

  /** `done(value)` once `promise` fulfils; `failed(reason)` once it rejects or the signal aborts. */
  settle<T, R>(promise: Promise<T>, done: (value: T) => R, failed: (reason: unknown) => R): Promise<R> {
    return this.#racer.settle(promise, done, failed);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
