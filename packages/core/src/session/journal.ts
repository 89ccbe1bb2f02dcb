import { RestBatchError } from '../errors/restbatch-error.js';
import { MAX_TIMER_MS } from '../executor/deadline.js';

/**
 * A step that undoes one change. `signal` aborts (reason: a `TIMEOUT` error) when the step runs out
 * of the rollback time limit (`limits.rollbackTimeoutMs`); a step may ignore it (zero-argument steps
 * work as before), but one that does I/O should pass it on so that its work stops too.
 */
export type UndoStep = (signal: AbortSignal) => void | Promise<void>;

function ignore(): void {}

/**
 * The undo log of an atomic group: session writes and the compensation steps handlers declare
 * are recorded in order and, on failure, undone in reverse order.
 */
export class Journal {
  readonly #steps: UndoStep[] = [];
  readonly #limitMs: number;

  /** `limitMs`: the time each undo step may take (0: no limit; see `EngineLimits.rollbackTimeoutMs`). */
  constructor(limitMs = 0) {
    this.#limitMs = Math.min(limitMs, MAX_TIMER_MS);
  }

  /** Records how to undo the change just made. */
  record(step: UndoStep): void {
    this.#steps.push(step);
  }

  /** Forgets every step (the group succeeded). */
  commit(): void {
    this.#steps.length = 0;
  }

  /**
   * Undoes every recorded change, newest first; returns the errors of steps that failed. A step
   * that has not settled within the time limit fails with `TIMEOUT` (its signal aborts) and the
   * next one runs: one step that hangs cannot hold the rollback, or the batch, for ever.
   */
  async rollback(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop() as UndoStep;
      try {
        await this.#run(step);
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  async #run(step: UndoStep): Promise<void> {
    const controller = new AbortController();
    if (this.#limitMs <= 0) {
      await step(controller.signal);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limitMs = this.#limitMs;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = new RestBatchError('TIMEOUT', `An undo step did not settle within the rollback time limit (${limitMs} ms)`);
        controller.abort(reason);
        reject(reason);
      }, limitMs);
    });
    try {
      // A step that settles after its time ran out settles nothing: its late rejection is ignored.
      const done = Promise.resolve().then(() => step(controller.signal));
      done.catch(ignore);
      await Promise.race([done, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
