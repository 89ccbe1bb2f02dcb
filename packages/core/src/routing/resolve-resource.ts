import type { DependencyContainer } from 'tsyringe';
import type { ResourceClass } from './route-table.js';
import { withCode } from '../errors/setup-error-codes.js';

/**
 * Resolves a resource class from a container. tsyringe's bare `TypeInfo not known for "X"` means
 * the class was compiled without decorator metadata (tsx, esbuild, vitest, swc without the
 * option): the error says so, and what to do.
 */
export function resolveResource(container: DependencyContainer, input: ResourceClass): object {
  try {
    return container.resolve(input as never) as object;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('TypeInfo not known for')) {
      throw withCode(
        new Error(
          `Resource class ${input.name} cannot be constructed: its constructor has parameters but no type information. ` +
            'Code compiled by tsx, esbuild or vitest has no decorator metadata: build with tsc ' +
            '("experimentalDecorators" and "emitDecoratorMetadata" in tsconfig.json), or mark each constructor ' +
            'parameter with @inject(TOKEN) from tsyringe.',
          { cause: error },
        ),
        'INVALID_RESOURCE',
      );
    }
    throw error;
  }
}
