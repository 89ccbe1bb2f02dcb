import type { CompiledApi } from '../engine/compiled-api.js';
import type { SubRequest, SubResult } from '../model/canonical.js';
import type { Executor } from './executor.js';
import { answer } from './sub-results.js';
import type { RunState } from './run-state.js';

/**
 * The handler's promise of the sub-request now running, held for the batch loop to await itself:
 * one await per sub-request (as a plain loop of handler calls has), instead of a `then` that
 * makes the answer and a second await of that. One per batch, reused for each sub-request (a
 * batch runs them in order); used only when nothing races the handler (no deadline, no timeout).
 */
export class HeldAnswer {
  promise: Promise<unknown> | undefined;
  #sub: SubRequest | undefined;
  #status: number | undefined;
  #api: CompiledApi | undefined;
  #run: RunState | undefined;

  constructor(private readonly executor: Executor) {}

  /** Holds `promise`, the value of `sub`'s handler on a route answering `status`. */
  hold(promise: Promise<unknown>, sub: SubRequest, status: number | undefined, api: CompiledApi, run: RunState): this {
    this.promise = promise;
    this.#sub = sub;
    this.#status = status;
    this.#api = api;
    this.#run = run;
    return this;
  }

  /** The result of the handler's settled value (and lets go of what it held). */
  done(value: unknown): SubResult {
    const result = answer(this.#sub as SubRequest, this.#status, value);
    this.#release();
    return result;
  }

  /** The result of the handler's rejection (and lets go of what it held). */
  failed(thrown: unknown): SubResult {
    const run = this.#run as RunState;
    const result = this.executor.failure(this.#api as CompiledApi, this.#sub as SubRequest, thrown, run.session, run.requestId);
    this.#release();
    return result;
  }

  #release(): void {
    this.promise = undefined;
    this.#sub = undefined;
  }
}
