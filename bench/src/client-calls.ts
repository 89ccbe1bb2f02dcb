import type { Client } from '@restbatch/client';
import type { ExagoCall } from './exago-mix.js';

/** One call as a user of the client writes it: method, path template and init, made up front like the hand-built envelope. */
export interface TypedCall {
  method: string;
  template: string;
  init: object;
}

/**
 * The mix's path templates as a user's code names them: string literals. A literal is interned, so
 * the client's template cache finds it by identity; a template built at run time (`/rest/${resource}`)
 * would be a new string compared character by character on every call, which no user's call pays.
 */
const TEMPLATES: Readonly<Record<string, string>> = {
  Sessions: '/rest/Sessions',
  Parameters: '/rest/Parameters',
  'Parameters/{id}': '/rest/Parameters/{id}',
  Roles: '/rest/Roles',
  'Roles/{id}': '/rest/Roles/{id}',
};

/** The Exago mix as typed calls: `Parameters/P0` is `/rest/Parameters/{id}` with `id: 'P0'`. */
export function typedCalls(calls: readonly ExagoCall[]): TypedCall[] {
  return calls.map((call) => {
    const [resource, id] = call.Url.split('/') as [string, string | undefined];
    const template = TEMPLATES[id === undefined ? resource : `${resource}/{id}`];
    if (template === undefined) throw new Error(`typedCalls: no template for ${call.Url}`);
    const init: { params?: object; body?: unknown } = {};
    if (id !== undefined) init.params = { path: { id } };
    if (call.Payload !== undefined) init.body = call.Payload;
    return { method: call.Method, template, init };
  });
}

/** The client's call methods, looked up by the call's method name. */
type Loose = Record<string, (path: string, init?: object) => Promise<{ ok: boolean }>>;

/**
 * Makes every call through `client` in one tick, as a user's code would, and answers how many
 * succeeded once all have settled: the client caller of the timed and the instruction workers.
 */
export async function callInOneTick<P>(client: Client<P>, typed: readonly TypedCall[]): Promise<number> {
  const c = client as unknown as Loose;
  const pending: Promise<{ ok: boolean }>[] = [];
  for (const t of typed) pending.push(c[t.method]!(t.template, t.init));
  let ok = 0;
  for (const r of await Promise.all(pending)) if (r.ok) ok++;
  return ok;
}
