import { RestBatchError } from '../errors/restbatch-error.js';

// `.`/`..` segments, literal or encoded; doubled slashes; backslashes; control characters, literal or encoded.
const UNSAFE = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\/\/|\\|%5c|%[01][0-9a-f]|%7f|[\u0000-\u001f\u007f]/i;

/**
 * Rejects a sub-request path that could escape its resource or confuse a router: it must start
 * with `/` and hold no dot segments, doubled slashes, backslashes or control characters.
 */
export function assertSafePath(path: string, index: number, name?: string): void {
  if (path.charCodeAt(0) !== 47 || UNSAFE.test(path)) {
    // A sub-request is named by its id where it has one (OData), else by its index.
    const where = index >= 0 ? `Sub-request ${name ?? index}: ` : '';
    throw new RestBatchError('INVALID_PATH', `${where}path is not a plain resource path`);
  }
}
