import { normalizeHeaders } from '@restbatch/core';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The outer headers of one message's request: the upgrade request's headers, overlaid with the
 * message's own. A protected (identity) header comes from the upgrade request only, so one
 * connection cannot speak for several callers; a message that sets one gets the header's name
 * back (the caller turns it into an `INVALID_HEADER` error). The body is always JSON text, so
 * `content-type` defaults to `application/json` unless the message says otherwise.
 */
export function mergeHeaders(
  upgrade: Readonly<Record<string, string>>,
  own: Readonly<Record<string, string>>,
  protectedNames: ReadonlySet<string>,
  hasBody: boolean,
): Record<string, string> | { refused: string } {
  const out: Record<string, string> = Object.assign(Object.create(null), upgrade);
  if (hasBody) out['content-type'] = 'application/json';
  for (const name of Object.keys(own)) {
    if (protectedNames.has(name)) return { refused: name };
    out[name] = own[name] as string;
  }
  return out;
}

/** The upgrade request's headers, normalized once per connection. */
export function upgradeHeaders(headers: IncomingHttpHeaders): Readonly<Record<string, string>> {
  return Object.freeze(normalizeHeaders(headers));
}
