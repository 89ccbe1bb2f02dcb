import { type ClientDialect, NONE, refuseGroups, relativePath, resultOf, type SubCall, withQuery } from './client-dialect.js';

/** Exago's envelope `[{Url, Method, Payload}]`; the batch runs in the session its first `POST Sessions` opens. */
export const exagoClientDialect: ClientDialect = {
  name: 'exago',
  maxItems: 10000,
  encode(calls, base, policy) {
    const body = new Array<ExagoItem>(calls.length);
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i]!;
      if (call.atomicityGroup !== undefined) refuseGroups(calls, 'Exago');
      const path = relativePath(call, base);
      const url = call.query === NONE ? path : withQuery(path, withoutSid(call.query));
      body[i] = call.body === undefined ? { Url: url, Method: call.method } : { Url: url, Method: call.method, Payload: call.body };
    }
    const query: Record<string, string> = policy === undefined ? {} : { onFail: policy };
    return { query, headers: {}, body };
  },
  item(raw) {
    const item = raw as { ReturnCode?: unknown; ResponseContent?: unknown };
    return resultOf(Number(item.ReturnCode), NONE, item.ResponseContent);
  },
  // As Exago's encoder makes ResponseContent of a result without an error (a 204 says so; no body is null).
  fromResult: (r) => resultOf(r.status, NONE, r.status === 204 ? { StatusCode: 204, StatusDescription: null } : (r.body ?? null)),
  items: (body) => (Array.isArray(body) ? body : undefined),
  callProblem: exagoCallProblem,
};

/**
 * Why an Exago batch cannot carry `call` (under an API at `base`), or undefined when it can: the
 * server refuses the whole batch for a `Sessions/{sid}` call, a method other than POST, PATCH, GET
 * and DELETE, and a Payload on GET or DELETE; and the envelope has no headers per call.
 */
export function exagoCallProblem(call: SubCall, base: string): string | undefined {
  const relative = relativePath(call, base);
  // 83 is 'S': most paths are told by their first character, without a string compare.
  if (relative.charCodeAt(0) === 83 && relative.startsWith('Sessions/')) return 'Exago refuses Sessions/{sid} calls in a batch';
  const headers = call.headers;
  if (headers !== NONE) for (const _ in headers) return 'its envelope has no headers per call (they would be lost)';
  const method = call.method;
  if (method === 'POST' || method === 'PATCH') return undefined;
  if (method === 'PUT') return 'its methods are POST, PATCH, GET and DELETE, not PUT';
  return call.body === undefined ? undefined : `a ${method} call takes no Payload there (only POST and PATCH calls do)`;
}

interface ExagoItem {
  Url: string;
  Method: string;
  Payload?: unknown;
}

/** The batch's own session is the one its first call opens: a `sid` would name another. */
function withoutSid(query: Record<string, string>): Record<string, string> {
  if (query.sid === undefined) return query;
  const { sid: _sid, ...rest } = query;
  return rest;
}
