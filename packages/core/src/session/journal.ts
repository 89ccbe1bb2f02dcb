/** A step that undoes one change. */
export type UndoStep = () => void | Promise<void>;

/**
 * The undo log of an atomic group: session writes and the compensation steps handlers declare
 * are recorded in order and, on failure, undone in reverse order.
 */
export class Journal {
  readonly #steps: UndoStep[] = [];

  /** Records how to undo the change just made. */
  record(step: UndoStep): void {
    this.#steps.push(step);
  }

  /** Forgets every step (the group succeeded). */
  commit(): void {
    this.#steps.length = 0;
  }

  /** Undoes every recorded change, newest first; returns the errors of steps that failed. */
  async rollback(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop() as UndoStep;
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}
