import { getConnInfo } from '@hono/node-server/conninfo';
import type { Engine } from '@restbatch/core';
import { createFetchHandler } from '@restbatch/http';
import { Hono } from 'hono';
import type { ConnInfo, GetConnInfo } from 'hono/conninfo';

/**
 * A Hono app with the engine's APIs mounted under `/api/*`: the fetch handler of `@restbatch/http`
 * takes the WHATWG `Request` Hono holds (`c.req.raw`) and answers a `Response`, so the same lines
 * serve Bun, Deno, Cloudflare Workers or any other fetch runtime. A `Request` carries no client
 * address, so the handler is given the runtime's (`connInfo`: `@hono/node-server`'s by default,
 * `getConnInfo` from `hono/bun` or `hono/deno` there): without it every client would count as one
 * caller for the rate limit, sessions and idempotency records.
 */
export function createHonoApp(engine: Engine, connInfo: (c: Parameters<GetConnInfo>[0]) => ConnInfo | undefined = nodeConnInfo): Hono {
  const handle = createFetchHandler(engine, { remoteAddress: (_request, info: ConnInfo | undefined) => info?.remote.address });
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true }));
  app.all('/api/*', (c) => handle(c.req.raw, connInfo(c)));
  return app;
}

/**
 * `@hono/node-server`'s address of the client, or undefined where the app is not served by it (Bun,
 * Deno, Workers, `app.request()` in tests): the request then runs as one anonymous caller, as the
 * fetch handler does without an address, instead of failing.
 */
function nodeConnInfo(c: Parameters<GetConnInfo>[0]): ConnInfo | undefined {
  try {
    return getConnInfo(c);
  } catch {
    return undefined;
  }
}
