// Serves the Todos API through Hono on Node (@hono/node-server): `POST /api/$batch`, `GET /api/todos`, ...
// on PORT (default 8080). On Bun or Deno, export `createHonoApp(engine, getConnInfo)` (its `fetch`) instead,
// with `getConnInfo` from `hono/bun` or `hono/deno`, so that each client counts as its own caller.
import { serve } from '@hono/node-server';
import { createHonoApp } from './app.js';
import { createTodosEngine } from './todos.js';

const hostname = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
serve({ fetch: createHonoApp(createTodosEngine()).fetch, hostname, port }, (info) =>
  console.log(`Todos on Hono at http://${hostname}:${info.port}`),
);
