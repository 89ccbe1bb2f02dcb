/** What a test opened and must close: functions run after the test, last registered first. */
export class Cleanup {
  readonly #steps: Array<() => unknown> = [];

  /** Registers `close` to run after the test, whatever its outcome. */
  add(close: () => unknown): void {
    this.#steps.push(close);
  }

  /**
   * Runs every registered step, last first, each within `limitMs` (a close that hangs must not
   * hang the suite), and returns the errors of those that failed or timed out.
   */
  async run(limitMs: number): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await withinTime(Promise.resolve().then(step), limitMs, 'a cleanup step');
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}

/**
 * Runs `body` with a time limit, then `cleanup` whatever the outcome: the test's own error wins; a
 * cleanup that failed after a passing body fails the test. A hung body fails after `limitMs`
 * instead of holding the process open until the runner kills it.
 */
export async function guarded(body: () => Promise<void>, cleanup: Cleanup, limitMs: number, closeLimitMs = 5000): Promise<void> {
  const outcome = await withinTime(Promise.resolve().then(body), limitMs, 'the test').then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  const errors = await cleanup.run(closeLimitMs);
  if (outcome.failed) throw outcome.error;
  if (errors.length > 0) throw errors[0];
}

/** `promise`, or a rejection naming `what` once `ms` have passed first. */
export async function withinTime<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
