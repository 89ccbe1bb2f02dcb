import { type ClientDialect, refuseGroups, relativePath, withQuery } from './client-dialect.js';

/** Exago's envelope `[{Url, Method, Payload}]`; the batch runs in the session its first `POST Sessions` opens. */
export const exagoClientDialect: ClientDialect = {
  name: 'exago',
  maxItems: 10000,
  encode(calls, base, policy) {
    refuseGroups(calls, 'Exago');
    const body = calls.map((call) => {
      // The batch's own session is the one its first call opens: a `sid` would name another.
      const { sid: _sid, ...query } = call.query;
      const item: Record<string, unknown> = { Url: withQuery(relativePath(call.path, base), query), Method: call.method };
      if (call.body !== undefined) item.Payload = call.body;
      return item;
    });
    const query: Record<string, string> = policy === undefined ? {} : { onFail: policy };
    return { query, headers: {}, body };
  },
  item(raw) {
    const item = raw as { ReturnCode?: unknown; ResponseContent?: unknown };
    return { status: Number(item.ReturnCode), headers: {}, body: item.ResponseContent };
  },
  items: (body) => (Array.isArray(body) ? body : undefined),
};
