import type { Test } from 'uvu';

/**
 * Registers the one test a suite has when a program it drives is not installed: it fails with how
 * to install it. The suite's own tests are not registered — never skipped, so a run without the
 * program cannot look green (`pnpm test` installs it first where it can, see test/prerequisites.mjs).
 */
export function missingPrerequisite(test: Test, program: string, suites: string, install: string): void {
  test(`${program} is installed (the ${suites} suites need it)`, () => {
    throw new Error(`${program} not found: ${install}`);
  });
}
