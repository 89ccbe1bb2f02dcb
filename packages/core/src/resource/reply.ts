import type { Headers } from '../model/canonical.js';

/** A handler's answer with an explicit status and headers; return it instead of a plain value. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown = undefined,
    readonly headers: Headers = {},
  ) {}
}

/** Builds a {@link Reply}: `return reply(202, { queued: true })`. */
export function reply(status: number, body?: unknown, headers?: Headers): Reply {
  return new Reply(status, body, headers);
}
