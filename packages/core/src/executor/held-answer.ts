import type { CompiledApi } from '../engine/compiled-api.js';
import type { SubRequest, SubResult } from '../model/canonical.js';
import type { Executor } from './executor.js';
import { answer } from './sub-results.js';
import type { Deadline } from './deadline.js';
import type { RunState } from './run-state.js';

/**
 * The handler's promise of the sub-request now running, held for the batch loop to await itself:
 * one await per sub-request (as a plain loop of handler calls has), instead of a `then` that
 * makes the answer and a second await of that. One per batch, reused for each sub-request (a
 * batch runs them in order); used when no timeout of its own races the handler. Under a batch
 * deadline or an outer signal (every HTTP and WebSocket batch has one), the promise held is the
 * deadline's race of the handler's (`Deadline.race`): no closure per sub-request either.
 */
export class HeldAnswer {
  promise: Promise<unknown> | undefined;
  #sub: SubRequest | undefined;
  #status: number | undefined;
  #api: CompiledApi | undefined;
  #run: RunState | undefined;

  constructor(private readonly executor: Executor) {}

  /** Holds `promise`, the value of `sub`'s handler on a route answering `status`, raced by `deadline` unless it is unbounded. */
  hold(promise: Promise<unknown>, sub: SubRequest, status: number | undefined, api: CompiledApi, run: RunState, deadline: Deadline): this {
    this.promise = deadline.unbounded ? promise : deadline.race(promise);
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
