import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createHonoApp, createTodosEngine } from '@restbatch/example-hono';
import { transform } from 'esbuild';
import type { Hono } from 'hono';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorOf, responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

/** The Hono example served by @hono/node-server on 127.0.0.1 at a free port. */
async function start(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createHonoApp(createTodosEngine());
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('a batch through Hono runs in order against the injected service', async () => {
  const s = await start();
  try {
    const res = await send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 200);
    assert.equal(responsesOf(res.json), TODOS_ANSWER);
  } finally {
    await s.close();
  }
});

test("ordinary calls through Hono answer, and Hono's own routes are untouched", async () => {
  const s = await start();
  try {
    const added = await send(`${s.url}/api/todos`, 'POST', { title: 'bread' });
    assert.is(added.status, 201);
    assert.equal(added.json, { id: '1', title: 'bread', done: false });
    const read = await send(`${s.url}/api/todos/1`, 'GET');
    assert.equal(read.json, { id: '1', title: 'bread', done: false });
    const health = await send(`${s.url}/health`, 'GET');
    assert.equal(health.json, { ok: true });
  } finally {
    await s.close();
  }
});

test("bad input through Hono gets the dialect's coded error", async () => {
  const s = await start();
  try {
    const bad = await send(`${s.url}/api/$batch`, 'POST', '{"requests": [', { 'content-type': 'application/json' });
    assert.is(bad.status, 400);
    assert.is(errorOf(bad.json).code, 'JSON_MALFORMED');
    const wrongType = await send(`${s.url}/api/todos`, 'POST', 'title=milk', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.is(wrongType.status, 415);
    assert.is(errorOf(wrongType.json).code, 'UNSUPPORTED_MEDIA_TYPE');
  } finally {
    await s.close();
  }
});

/** Sends `target` as is on the request line (fetch() would resolve its dot segments first). */
function rawGet(url: string, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path: target }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('through Hono on @hono/node-server, dot segments (literal or encoded) are refused as by node:http (docs/security.md row 5)', async () => {
  const s = await start();
  try {
    // `c.req.raw.url` reads `/api/todos` for each: the example hands the handler the target as sent.
    for (const target of ['/api/todos/%2e%2e/todos', '/api/todos/%2E%2E/todos', '/api/todos/../todos', '/api/x/.%2e/todos']) {
      const res = await rawGet(s.url, target);
      assert.is(res.status, 400, target);
      assert.is(errorOf(JSON.parse(res.text)).code, 'INVALID_PATH', target);
    }
    assert.is((await rawGet(s.url, '/api/todos')).status, 200);
  } finally {
    await s.close();
  }
});

test('the Hono example serves requests made without @hono/node-server (Bun, Deno, Workers call app.fetch; tests call app.request)', async () => {
  const app = createHonoApp(createTodosEngine());
  const viaFetch = await app.fetch(new Request('http://localhost/api/todos'), {});
  assert.is(viaFetch.status, 200, await viaFetch.clone().text());
  assert.equal(await viaFetch.json(), []);
  const viaRequest = await app.request('/api/$batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/todos' }] }),
  });
  assert.is(viaRequest.status, 200);
});

/**
 * The Hono lines of the README of @restbatch/http ("Hono, Bun, Deno, edge"), as written, made into
 * a module around them (`engine`, `app`); it is written beside this suite so that its imports
 * resolve from the test package, as from the reader's app.
 */
async function readmeHonoApp(): Promise<{ app: Hono; remove: () => void }> {
  const readme = readFileSync(new URL('../../packages/http/README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Hono, Bun, Deno, edge (fetch)'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const end = block.indexOf('\n', block.indexOf("app.all('/api/*'"));
  assert.ok(block.includes('@hono/node-server/conninfo') && end > 0, 'the README still mounts the handler on Hono');
  const source = `import { createTodosEngine } from '@restbatch/example-hono';
import { Hono } from 'hono';
const engine = createTodosEngine();
const app = new Hono();
${block.slice(0, end)}
export { app };
`;
  const { code } = await transform(source, { loader: 'ts', format: 'esm' });
  const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), 'readme-hono-'));
  const file = join(dir, 'app.mjs');
  writeFileSync(file, code);
  const { app } = (await import(pathToFileURL(file).href)) as { app: Hono };
  return { app, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test("the README's Hono snippet serves app.request() (Hono's test path: no @hono/node-server, so no conn info) and @hono/node-server", async () => {
  const { app, remove } = await readmeHonoApp();
  try {
    const batch = await app.request('/api/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TODOS_BATCH),
    });
    assert.is(batch.status, 200, await batch.clone().text());
    assert.equal(responsesOf((await batch.json()) as Record<string, unknown>), TODOS_ANSWER);
    const call = await app.request('/api/todos/1');
    assert.is(call.status, 200, await call.clone().text());
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const served = await send(`http://127.0.0.1:${port}/api/todos/1`, 'GET');
      assert.is(served.status, 200, served.raw);
      assert.is(
        (await rawGet(`http://127.0.0.1:${port}`, '/api/todos/%2e%2e/todos')).status,
        400,
        'requestTarget reads the target as sent',
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    remove();
  }
});

test.run();
