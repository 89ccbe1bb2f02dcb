// The requests and headers the header-syntax suites (direct and inject, fastify.inject) send: one
// request per kind of target, and the headers node:http's parser would refuse (RFC 9110 §5.1 names,
// §5.5 values) that every in-process path must refuse too.

/** One request a bad header is sent with. */
export interface HeaderTarget {
  label: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
}

/** An Exago, a Guidewire and an OData batch of the example server, and an ordinary call. */
export const HEADER_TARGETS: readonly HeaderTarget[] = [
  { label: 'an Exago batch', method: 'POST', url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] },
  {
    label: 'a Guidewire batch',
    method: 'POST',
    url: '/rest/claim/v1/batch',
    body: { requests: [{ method: 'get', path: '/claims/cc:22' }] },
  },
  {
    label: 'an OData batch',
    method: 'POST',
    url: '/rest/claim/v1/$batch',
    body: { requests: [{ id: '1', method: 'GET', url: 'claims/cc:22' }] },
  },
  { label: 'an ordinary call', method: 'GET', url: '/rest/claim/v1/claims/cc:22' },
];

/** Headers node:http refuses, each with its label: names that are not tokens, values holding CR, LF or NUL. */
export const BAD_HEADERS: ReadonlyArray<readonly [string, Readonly<Record<string, string>>]> = [
  ['a name with a space', { 'X Bad': 'v' }],
  ['a name with a colon', { 'x:y': 'v' }],
  ['a name that is not ASCII', { 'x-é': 'v' }],
  ['CR LF in a value', { 'x-a': 'v\r\nx-injected: 1' }],
  ['LF in a value', { 'X-A': 'v\nw' }],
  ['NUL in a value', { 'x-a': 'v\u0000w' }],
];
