import { RestBatchError } from '../errors/restbatch-error.js';

/**
 * Why an in-process caller's request (`dispatch`, `inject`, a direct call) cannot be read, or
 * undefined: a `url` that is not a string (400 `INVALID_PATH`), a `method` that is not a string
 * (405 `METHOD_NOT_ALLOWED`; left out, when `methodDefaults`, it takes the caller's default), `headers`
 * given but not an object (400 `INVALID_HEADER`). Only a JavaScript caller (or a cast) can make one;
 * it is answered, never thrown at.
 */
export function requestShapeError(request: unknown, methodDefaults: boolean): RestBatchError | undefined {
  const given = (typeof request === 'object' && request !== null ? request : {}) as { url?: unknown; method?: unknown; headers?: unknown };
  const { url, method, headers } = given;
  if (typeof url !== 'string') {
    const what = url === undefined ? 'no url' : `a url of type ${kindOf(url)}`;
    return new RestBatchError('INVALID_PATH', `The call has ${what}; url is the path with an optional query, such as "/rest/batch"`);
  }
  if (typeof method !== 'string' && (method !== undefined || !methodDefaults)) {
    return new RestBatchError(
      'METHOD_NOT_ALLOWED',
      `The call's method is ${method === undefined ? 'missing' : `a ${kindOf(method)}`}; method is a string such as "GET" (default "POST")`,
    );
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
    return new RestBatchError(
      'INVALID_HEADER',
      `The call's headers are of type ${kindOf(headers)}; headers are an object of names and values`,
    );
  }
  return undefined;
}

/** The URL at which to answer a request's shape error (in the error shape of the API there): its url, or `/`. */
export function shapeErrorUrl(request: unknown): string {
  const url = typeof request === 'object' && request !== null ? (request as { url?: unknown }).url : undefined;
  return typeof url === 'string' ? url : '/';
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
