import { isJsonMediaType } from '../engine/parse-body.js';
import { RestBatchError } from '../errors/restbatch-error.js';
import type { SubRequest } from '../model/canonical.js';
import { subRequestName } from './sub-request-name.js';

/**
 * Refuses a sub-request whose own `Content-Type` header names another media type than JSON for
 * its body (415 `UNSUPPORTED_MEDIA_TYPE`), as the same request made alone is refused: the
 * engine's handlers read JSON values only. An item without its own Content-Type is JSON.
 */
export function checkItemContentType(sub: SubRequest, index: number): void {
  const type = sub.headers['content-type'];
  if (type === undefined || isJsonMediaType(type)) return;
  throw new RestBatchError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Sub-request ${subRequestName(sub.id, index)}: its body is ${JSON.stringify(type.slice(0, 100))}; send it as JSON (application/json)`,
  );
}
