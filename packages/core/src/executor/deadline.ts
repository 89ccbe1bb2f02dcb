import { RestBatchError } from '../errors/restbatch-error.js';

/** The batch's signal: the outer signal plus an optional deadline; one timer, always cleared. */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = () => this.#controller.abort(this.#outer?.reason);
  readonly unbounded: boolean;

  constructor(outer: AbortSignal | undefined, timeoutMs: number) {
    this.#outer = outer;
    this.unbounded = outer === undefined && timeoutMs <= 0;
    if (outer !== undefined) {
      if (outer.aborted) this.#controller.abort(outer.reason);
      else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
    }
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        this.#controller.abort(new RestBatchError('TIMEOUT', `The batch deadline of ${timeoutMs} ms passed`));
      }, timeoutMs);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

/** One sub-request's timeout, chained to the batch's signal. */
export class SubTimer {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #parent: AbortSignal;
  readonly #onParentAbort = () => this.#controller.abort(this.#parent.reason);

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.#parent = parent;
    parent.addEventListener('abort', this.#onParentAbort, { once: true });
    this.#timer = setTimeout(() => {
      this.#controller.abort(new RestBatchError('TIMEOUT', `The sub-request took longer than its ${timeoutMs} ms timeout`));
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onParentAbort);
  }
}
