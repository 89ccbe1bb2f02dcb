// The Fastify plugin next to the plugins and routes an app has anyway: Fastify's router is one for
// the whole app (encapsulation does not scope routes), so a route the plugin declares that the app or
// another plugin declares too fails the app's start (FST_ERR_DUPLICATED_ROUTE). The plugin routes
// only its API bases and leaves OPTIONS to @fastify/cors, in either order of registration.
import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, odataDialect } from '@restbatch/core';
import { createTodosEngine, TodoService, TodosResource } from '@restbatch/example-fastify';
import { restbatch } from '@restbatch/fastify';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

const ORIGIN = 'http://app.example';

/** Builds an app with `setup`, starts it on 127.0.0.1 and hands its URL to `check`. */
async function running(setup: (app: FastifyInstance) => Promise<void>, check: (url: string) => Promise<void>): Promise<void> {
  const app = Fastify();
  try {
    await setup(app);
    await check(await app.listen({ host: '127.0.0.1', port: 0 }));
  } finally {
    await app.close();
  }
}

/** The app's own root routes, which the plugin must leave to it. */
function ownRoutes(app: FastifyInstance): void {
  app.get('/', async () => ({ own: 'home' }));
  app.get('/*', async (request) => ({ own: 'page', url: request.url }));
}

async function batchAnswers(url: string, headers: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof send>>> {
  const res = await send(`${url}/api/$batch`, 'POST', TODOS_BATCH, headers);
  assert.is(res.status, 200, res.raw);
  assert.equal(responsesOf(res.json), TODOS_ANSWER);
  return res;
}

for (const order of ['before', 'after'] as const) {
  test(`registered ${order} @fastify/cors, next to the app's own GET / and GET /*: it starts, batches, and CORS preflight works`, async () => {
    const engine = createTodosEngine();
    await running(
      async (app) => {
        ownRoutes(app);
        if (order === 'before') await app.register(restbatch, { engine });
        await app.register(cors, { origin: true });
        if (order === 'after') await app.register(restbatch, { engine });
      },
      async (url) => {
        // Fetch standard §3.2.2 (CORS-preflight request): OPTIONS with Access-Control-Request-Method.
        const preflight = await send(`${url}/api/$batch`, 'OPTIONS', undefined, {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        });
        assert.is(preflight.status, 204);
        assert.is(preflight.headers['access-control-allow-origin'], ORIGIN);
        assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
        const batch = await batchAnswers(url, { origin: ORIGIN });
        assert.is(batch.headers['access-control-allow-origin'], ORIGIN, "cors's hook runs on the plugin's routes too");
        // The engine's ordinary routes, and the app's own routes around them.
        const list = await send(`${url}/api/todos`, 'GET');
        assert.equal(list.json, [{ id: '1', title: 'milk', done: false }]);
        assert.equal((await send(`${url}/`, 'GET')).json, { own: 'home' });
        assert.equal((await send(`${url}/about`, 'GET')).json, { own: 'page', url: '/about' });
        // A path beside a base (not under it) is the app's, not the engine's.
        assert.equal((await send(`${url}/apix`, 'GET')).json, { own: 'page', url: '/apix' });
      },
    );
    await engine.close();
  });
}

for (const order of ['before', 'after'] as const) {
  test(`registered ${order} @fastify/static at the root: files and batches are both served`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'restbatch-static-'));
    await writeFile(join(root, 'index.html'), '<h1>app</h1>');
    const engine = createTodosEngine();
    try {
      await running(
        async (app) => {
          if (order === 'before') await app.register(restbatch, { engine });
          await app.register(fastifyStatic, { root });
          if (order === 'after') await app.register(restbatch, { engine });
        },
        async (url) => {
          const page = await send(`${url}/index.html`, 'GET');
          assert.is(page.status, 200);
          assert.is(page.raw, '<h1>app</h1>');
          await batchAnswers(url);
          assert.is((await send(`${url}/missing.html`, 'GET')).status, 404);
        },
      );
    } finally {
      await engine.close();
      await rm(root, { recursive: true });
    }
  });
}

test('two plugins under two prefixes next to @fastify/cors each serve their own base', async () => {
  const v1 = createTodosEngineAt('/v1/api');
  const v2 = createTodosEngineAt('/v2/api');
  await running(
    async (app) => {
      await app.register(cors, { origin: true });
      await app.register(restbatch, { engine: v1, prefix: '/v1' });
      await app.register(restbatch, { engine: v2, prefix: '/v2' });
    },
    async (url) => {
      await batchAnswers(`${url}/v1`);
      const second = await send(`${url}/v2/api/$batch`, 'POST', TODOS_BATCH);
      assert.equal(responsesOf(second.json), TODOS_ANSWER, 'the second engine has its own to-dos');
      assert.is((await send(`${url}/v1/other`, 'GET')).status, 404);
    },
  );
  await v1.close();
  await v2.close();
});

test("without @fastify/cors, OPTIONS is not the plugin's: Fastify's 404; the engine's own methods keep its answers", async () => {
  const engine = createTodosEngine();
  await running(
    async (app) => {
      await app.register(restbatch, { engine });
    },
    async (url) => {
      const options = await send(`${url}/api/todos`, 'OPTIONS');
      assert.is(options.status, 404);
      assert.is(options.json?.message, 'Route OPTIONS:/api/todos not found');
      // A method no route of the engine has is still the engine's answer (405 with Allow), as on node:http.
      const put = await send(`${url}/api/todos`, 'PUT', {});
      assert.is(put.status, 405);
      assert.match(String(put.headers.allow), /GET/);
      // HEAD is the engine's GET without a body.
      const head = await send(`${url}/api/todos`, 'HEAD');
      assert.is(head.status, 200);
      assert.is(head.raw, '');
      // The base itself is the engine's too, not only what is below it.
      const base = await send(`${url}/api`, 'GET');
      assert.is(base.status, 404);
      assert.equal(base.json?.error, { code: 'ROUTE_NOT_FOUND', message: 'No resource at /' });
    },
  );
  await engine.close();
});

/** The example's engine with its API at `base` instead of `/api`. */
function createTodosEngineAt(base: string): Engine {
  return createEngine({
    apis: [
      {
        base,
        resources: [TodosResource],
        batch: [{ path: '$batch', dialect: odataDialect() }],
        register: (container) => container.registerInstance(TodoService, new TodoService()),
      },
    ],
  });
}

test.run();
