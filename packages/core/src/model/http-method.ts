/** The HTTP methods a route can serve. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** All route methods, in a stable order (used for `Allow` headers). */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** True when `value` is one of {@link HTTP_METHODS}. */
export function isHttpMethod(value: unknown): value is HttpMethod {
  return value === 'GET' || value === 'POST' || value === 'PUT' || value === 'PATCH' || value === 'DELETE';
}
