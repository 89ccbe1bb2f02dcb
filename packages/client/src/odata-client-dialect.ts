import { type ClientDialect, lowerHeaders, resultOf, relativePath, withQuery } from './client-dialect.js';

/** OData JSON batching `{requests: [{id, method, url, headers, body}]}`; ids are the indexes, so references read alike. */
export const odataClientDialect: ClientDialect = {
  name: 'odata',
  maxItems: 20,
  encode(calls, base, policy) {
    const requests = calls.map((call, index) => {
      const item: Record<string, unknown> = {
        id: String(index),
        method: call.method,
        url: withQuery(relativePath(call, base), call.query),
      };
      if (Object.keys(call.headers).length > 0) item.headers = call.headers;
      if (call.body !== undefined) item.body = call.body;
      // An atomic batch is one group, whatever groups the builder made: the whole batch succeeds or fails together.
      const group = policy === 'atomic' ? 'all' : call.atomicityGroup;
      if (group !== undefined) item.atomicityGroup = group;
      return item;
    });
    const headers: Record<string, string> = policy === 'stop' ? { prefer: 'continue-on-error=false' } : {};
    return { query: {}, headers, body: { requests } };
  },
  item(raw) {
    const item = raw as { status?: unknown; headers?: unknown; body?: unknown };
    return resultOf(Number(item.status), lowerHeaders(item.headers), item.body);
  },
  items: (body) => (body as { responses?: unknown[] } | undefined)?.responses,
};
