import { excerpt } from '../errors/excerpt.js';

/**
 * How an error message names a sub-request: by its id where it has one (OData), cut as
 * {@link excerpt} cuts a client's input, else by its index.
 */
export function subRequestName(id: string | undefined, index: number): string {
  return excerpt(String(id ?? index));
}
