import type { ExagoCall } from './exago-mix.js';

/** One call as a user of the client writes it: method, path template and init, made up front like the hand-built envelope. */
interface TypedCall {
  method: string;
  template: string;
  init: object;
}

/** The Exago mix as typed calls: `Parameters/P0` is `/rest/Parameters/{id}` with `id: 'P0'`. */
export function typedCalls(calls: readonly ExagoCall[]): TypedCall[] {
  return calls.map((call) => {
    const [resource, id] = call.Url.split('/') as [string, string | undefined];
    const init: { params?: object; body?: unknown } = {};
    if (id !== undefined) init.params = { path: { id } };
    if (call.Payload !== undefined) init.body = call.Payload;
    return { method: call.Method, template: id === undefined ? `/rest/${resource}` : `/rest/${resource}/{id}`, init };
  });
}
