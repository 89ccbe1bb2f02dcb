import { getConnInfo } from '@hono/node-server/conninfo';
import type { Engine } from '@restbatch/core';
import { createFetchHandler } from '@restbatch/http/fetch';
import { type Context, Hono } from 'hono';
import type { ConnInfo, GetConnInfo } from 'hono/conninfo';

/**
 * A Hono app with the engine's APIs mounted under `/api/*`: the fetch handler of `@restbatch/http`
 * takes the WHATWG `Request` Hono holds (`c.req.raw`) and answers a `Response`, so the same lines
 * serve Bun, Deno, Cloudflare Workers or any other fetch runtime. The handler's second argument is
 * Hono's context, from which its options read what a `Request` does not carry:
 * - the client's address (`connInfo`: `@hono/node-server`'s by default, `getConnInfo` from
 *   `hono/bun` or `hono/deno` there): without it every client would count as one caller for the
 *   rate limit, sessions and idempotency records;
 * - the request target as sent, which `@hono/node-server` keeps on the Node request
 *   (`c.env.incoming.url`): `c.req.raw.url` has its dot segments resolved, encoded ones too, so
 *   only with it is `/api/todos/%2e%2e/todos` refused (400 `INVALID_PATH`) as the node handler does.
 */
export function createHonoApp(engine: Engine, connInfo: (c: Parameters<GetConnInfo>[0]) => ConnInfo | undefined = nodeConnInfo): Hono {
  const handle = createFetchHandler(engine, {
    remoteAddress: (_request, c: Context | undefined) => (c === undefined ? undefined : connInfo(c)?.remote.address),
    requestTarget: (_request, c) => nodeTarget(c),
  });
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true }));
  app.all('/api/*', (c) => handle(c.req.raw, c));
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

/**
 * The target of the request line as `@hono/node-server` received it (`HttpBindings.incoming`), or
 * undefined elsewhere: Bun, Deno and Workers hand over only the parsed `Request`.
 */
function nodeTarget(c: Context | undefined): string | undefined {
  const incoming = (c?.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  return typeof incoming?.url === 'string' ? incoming.url : undefined;
}
