import type { Headers } from '../model/canonical.js';

/**
 * A handler's answer with an explicit status and headers; return it instead of a plain value.
 * Header names are kept in lower case, however the handler wrote them (RFC 9110 §5.1: they are
 * case-insensitive), so references (`$1` as an ETag, a `Location`) and encoders find them.
 */
export class Reply {
  readonly headers: Headers;

  constructor(
    readonly status: number,
    readonly body: unknown = undefined,
    headers: Headers = {},
  ) {
    this.headers = lowerNames(headers);
  }
}

/** Builds a {@link Reply}: `return reply(202, { queued: true })`. */
export function reply(status: number, body?: unknown, headers?: Headers): Reply {
  return new Reply(status, body, headers);
}

/** `headers` itself when every name is lower case already (the usual reply), else a copy with lowered names. */
function lowerNames(headers: Headers): Headers {
  for (const name in headers) {
    if (name !== name.toLowerCase()) {
      const lowered: Headers = {};
      for (const key in headers) lowered[key.toLowerCase()] = headers[key] as string;
      return lowered;
    }
  }
  return headers;
}
