import { ClientError } from './client-error.js';
import { type ClientDialect, lowerHeaders, queryString, refuseGroups, relativePath, resultOf } from './client-dialect.js';
import { guidewireBodyProblem } from './guidewire-body.js';

/** Guidewire Cloud API `{requests: [{method, path, query, body, headers, onFail}]}`. */
export const guidewireClientDialect: ClientDialect = {
  name: 'guidewire',
  maxItems: 100,
  encode(calls, base, policy) {
    refuseGroups(calls, 'Guidewire');
    if (policy === 'atomic') throw new ClientError('UNSUPPORTED', 'Guidewire batches have no atomic mode: use continue or stop');
    const requests = calls.map((call) => {
      const item: Record<string, unknown> = { method: call.method.toLowerCase(), path: `/${relativePath(call, base)}` };
      const qs = queryString(call.query);
      if (qs !== '') item.query = qs;
      if (call.body !== undefined) item.body = call.body;
      const headers = Object.entries(call.headers).map(([name, value]) => ({ name, value }));
      if (headers.length > 0) item.headers = headers;
      if (policy === 'stop') item.onFail = 'abort';
      return item;
    });
    return { query: {}, headers: {}, body: { requests } };
  },
  item(raw) {
    const item = raw as { status?: unknown; headers?: unknown; body?: unknown };
    return resultOf(Number(item.status), lowerHeaders(item.headers), item.body);
  },
  fromResult: (r) => resultOf(r.status, lowerHeaders(r.headers), r.body),
  items: (body) => (body as { responses?: unknown[] } | undefined)?.responses,
  callProblem(call) {
    const body = call.body;
    const problem = body === undefined ? undefined : guidewireBodyProblem(body);
    return problem === undefined
      ? undefined
      : `${problem} (an item's body is {data: {attributes?: object, checksum?: string}, included?: object})`;
  },
};
