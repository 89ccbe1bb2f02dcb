/** The HTTP methods a route can serve. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** All route methods, in a stable order (used for `Allow` headers). */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** True when `value` is one of {@link HTTP_METHODS}. */
export function isHttpMethod(value: unknown): value is HttpMethod {
  return value === 'GET' || value === 'POST' || value === 'PUT' || value === 'PATCH' || value === 'DELETE';
}

/** ASCII letters only: `toUpperCase` also makes `S` of `ſ` and `ST` of `ﬆ`, which no client means. */
const ASCII_WORD = /^[A-Za-z]{3,6}$/;

/** The upper-case spelling of a method written in any case of its ASCII letters; '' for anything else. */
export function upperMethod(name: string): string {
  return ASCII_WORD.test(name) ? name.toUpperCase() : '';
}
