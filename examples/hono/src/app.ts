import type { Engine } from '@restbatch/core';
import { createFetchHandler } from '@restbatch/http';
import { Hono } from 'hono';

/**
 * A Hono app with the engine's APIs mounted under `/api/*`: the fetch handler of `@restbatch/http`
 * takes the WHATWG `Request` Hono holds (`c.req.raw`) and answers a `Response`, so the same two
 * lines serve Bun, Deno, Cloudflare Workers or any other fetch runtime.
 */
export function createHonoApp(engine: Engine): Hono {
  const handle = createFetchHandler(engine);
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true }));
  app.all('/api/*', (c) => handle(c.req.raw));
  return app;
}
