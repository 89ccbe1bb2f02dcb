import { RestBatchError } from '../errors/restbatch-error.js';

/**
 * Settles a handler's promise or rejects at once when a signal aborts. One race at a time (a batch
 * runs its sub-requests in order), so the pending race is one field: no listener, set or closure
 * per sub-request. A settled race's reject stays until the next race and is then harmless.
 */
class Racer {
  #reject: ((reason: unknown) => void) | undefined;

  constructor(readonly controller: AbortController) {}

  /** Aborts the signal and the pending race with `reason`. */
  abort(reason: unknown): void {
    this.controller.abort(reason);
    const reject = this.#reject;
    this.#reject = undefined;
    reject?.(reason);
  }

  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      promise.then(resolve, reject);
    });
  }
}

/** The batch's signal: the outer signal plus an optional deadline; one timer, always cleared. */
export class Deadline {
  readonly #racer = new Racer(new AbortController());
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = () => this.#racer.abort(this.#outer?.reason);
  readonly unbounded: boolean;

  constructor(outer: AbortSignal | undefined, timeoutMs: number) {
    this.#outer = outer;
    this.unbounded = outer === undefined && timeoutMs <= 0;
    if (outer !== undefined) {
      if (outer.aborted) this.#racer.abort(outer.reason);
      else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    }
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.#racer.abort(new RestBatchError('TIMEOUT', `The batch deadline of ${timeoutMs} ms passed`));
      }, timeoutMs);
    }
  }

  get signal(): AbortSignal {
    return this.#racer.controller.signal;
  }

  /** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.#racer.race(promise);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

/** One sub-request's timeout, chained to the batch's signal. */
export class SubTimer {
  readonly #racer = new Racer(new AbortController());
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal;
  readonly #onParentAbort = () => this.#racer.abort(this.#parent.reason);

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.#parent = parent;
    parent.addEventListener('abort', this.#onParentAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.#racer.abort(new RestBatchError('TIMEOUT', `The sub-request took longer than its ${timeoutMs} ms timeout`));
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#racer.controller.signal;
  }

  /** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
  race<T>(promise: Promise<T>): Promise<T> {
    return this.#racer.race(promise);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
