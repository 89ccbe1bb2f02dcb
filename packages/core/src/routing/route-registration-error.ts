import { withCode } from '../errors/setup-error-codes.js';

/**
 * The error `createEngine` throws when the router does not take a route: `ROUTE_CONFLICT` when the
 * route is already taken (the same method and path shape, parameter names aside), `ROUTE_REJECTED`
 * for anything else the router threw, reported as what it is. The code is on `error.code`, as
 * Node's own errors carry theirs; these errors never reach a client (docs/errors.md).
 */
export function routeRegistrationError(where: string, error: unknown): Error & { code: 'ROUTE_CONFLICT' | 'ROUTE_REJECTED' } {
  const message = error instanceof Error ? error.message : String(error);
  // find-my-way's one refusal of a taken route; the route table checks `hasRoute` first, so this
  // is a conflict the check did not see.
  if (/already declared for route/.test(message)) {
    return withCode(new Error(`Route ${where} conflicts with another: ${message}`, { cause: error }), 'ROUTE_CONFLICT');
  }
  // find-my-way calls `require('node:assert')` as a function; a bundler alias to an ES module hands
  // it `{ default: fn }` instead, and the first route fails with "assert is not a function".
  const hint =
    error instanceof TypeError && /assert/i.test(message)
      ? ' (node:assert is not a function here: a bundler alias of node:assert must be a CommonJS module whose ' +
        'module.exports is the function; see "Edge runtimes and bundles" in the README of @restbatch/http)'
      : '';
  return withCode(
    new Error(`Route ${where}: the router (find-my-way) failed to register it: ${message}${hint}`, { cause: error }),
    'ROUTE_REJECTED',
  );
}
