import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createTodosEngine } from '@restbatch/example-express';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import express, { type Express } from 'express';
import { Hono } from 'hono';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { errorOf, responsesOf, send, TODOS_ANSWER, TODOS_BATCH } from './support/todos-client.js';

/** Exago's own curl example: a batch sent with curl's default form Content-Type. */
const CURL_BODY = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** `app` on 127.0.0.1 at a free port. */
async function startExpress(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return close(server);
}

/** A Hono `app` served by @hono/node-server on 127.0.0.1 at a free port. */
async function startHono(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server));
  });
  return close(server);
}

function close(server: Server): { url: string; close: () => Promise<void> } {
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Express middleware that reads the whole body for itself (to check a signature) and sets no `req.body`. */
function rawBodyForSignatures(req: express.Request, _res: express.Response, next: express.NextFunction): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    (req as { rawBody?: Buffer }).rawBody = Buffer.concat(chunks);
    next();
  });
}

test("Express: express.urlencoded() before the handler turns Exago's curl batch into a coded 415 that names the parser", async () => {
  const { engine } = exagoEngine({ anyContentType: true });
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(createHttpHandler(engine));
  const s = await startExpress(app);
  try {
    const res = await send(`${s.url}/rest/batch`, 'POST', CURL_BODY, FORM);
    assert.is(res.status, 415);
    const error = JSON.stringify(res.json);
    assert.match(error, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(error, 'body parser mounted before restbatch');
    assert.match(error, 'express.urlencoded()');
  } finally {
    await s.close();
  }
});

test('Express: a gzip body is read once express.json() or express.raw() inflated it; the handler alone refuses it with 415 and Accept-Encoding: identity', async () => {
  const batch = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]);
  const gzipped = gzipSync(batch);
  const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  for (const parser of [express.json(), express.raw({ type: '*/*' }), undefined]) {
    const { engine } = exagoEngine();
    const app = express();
    if (parser !== undefined) app.use(parser);
    app.use(createHttpHandler(engine));
    const s = await startExpress(app);
    try {
      const res = await send(`${s.url}/rest/batch`, 'POST', gzipped, headers);
      if (parser !== undefined) assert.is(res.status, 200, res.raw);
      else {
        // RFC 9110 §8.4.1: a content coding the server does not take is a 415; §12.5.3: name the one it takes.
        assert.is(res.status, 415, res.raw);
        assert.match(res.raw, 'Content-Encoding gzip is not supported');
        assert.is(res.headers['accept-encoding'], 'identity');
      }
    } finally {
      await s.close();
    }
  }
});

test('Express: the same curl batch runs with the handler mounted before express.urlencoded()', async () => {
  const { engine } = exagoEngine({ anyContentType: true });
  const app = express();
  app.use(createHttpHandler(engine));
  app.use(express.urlencoded({ extended: false }));
  const s = await startExpress(app);
  try {
    const res = await send(`${s.url}/rest/batch`, 'POST', CURL_BODY, FORM);
    assert.is(res.status, 200);
  } finally {
    await s.close();
  }
});

test('Express: a body consumed by middleware that kept no req.body gets a coded answer, and a request without a body still runs', async () => {
  const app = express();
  app.use(rawBodyForSignatures);
  app.use(createHttpHandler(createTodosEngine()));
  const s = await startExpress(app);
  try {
    const res = await send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 500);
    assert.is(errorOf(res.json).code, 'INTERNAL');
    assert.match(errorOf(res.json).message, 'consumed before restbatch read it');
    const list = await send(`${s.url}/api/todos`, 'GET');
    assert.is(list.status, 200);
    assert.equal(list.json, []);
  } finally {
    await s.close();
  }
});

test('Express: a body a middleware paused (and did not read) is still read by the handler, not waited on for ever', async () => {
  const app = express();
  app.use((req, _res, next) => {
    req.pause();
    next();
  });
  app.use(createHttpHandler(createTodosEngine()));
  const s = await startExpress(app);
  try {
    const res = await Promise.race([
      send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH),
      new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
    assert.is(res.status, 200);
    assert.equal(responsesOf(res.json), TODOS_ANSWER);
  } finally {
    await s.close();
  }
});

test('Hono: a body a middleware already read (await c.req.text()) gets a coded answer in the dialect shape, not a plain 500', async () => {
  const handle = createFetchHandler(createTodosEngine());
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST') await c.req.text();
    await next();
  });
  app.all('/api/*', (c) => handle(c.req.raw));
  const s = await startHono(app);
  try {
    const res = await send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 500);
    assert.is(errorOf(res.json).code, 'INTERNAL');
    assert.match(errorOf(res.json).message, 'request.clone()');
  } finally {
    await s.close();
  }
});

test('Hono: a middleware that reads a clone leaves the body to the handler', async () => {
  const handle = createFetchHandler(createTodosEngine());
  const app = new Hono();
  app.use('*', async (c, next) => {
    await c.req.raw.clone().text();
    await next();
  });
  app.all('/api/*', (c) => handle(c.req.raw));
  const s = await startHono(app);
  try {
    const res = await send(`${s.url}/api/$batch`, 'POST', TODOS_BATCH);
    assert.is(res.status, 200);
    assert.equal(responsesOf(res.json), TODOS_ANSWER);
  } finally {
    await s.close();
  }
});

test('node handler: a parsed value JSON cannot write (a BigInt-aware parser) is answered 400 BODY_UNWRITABLE, not a dropped socket', async () => {
  const { engine } = exagoEngine();
  const handler = createHttpHandler(engine);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      Object.assign(req, { body: [{ Url: 'Sessions', Method: 'POST', Payload: { n: 10n } }], _body: true });
      handler(req, res);
    });
  });
  const s = await new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(close(server)));
  });
  try {
    const res = await send(`${s.url}/rest/batch`, 'POST', '[]', { 'content-type': 'application/json' });
    assert.is(res.status, 400, res.raw);
    assert.is((res.json as { code: string }).code, 'BODY_UNWRITABLE');
  } finally {
    await s.close();
  }
});

test('node handler: a req.body a parser set without consuming the stream (body-parser 1.x skipping a type) keeps Content-Encoding: the coded stream gets 415', async () => {
  const { engine } = exagoEngine();
  const handler = createHttpHandler(engine);
  const server = createServer((req, res) => {
    // body-parser 1.x sets `req.body = req.body || {}` before it checks the type, and leaves the stream alone.
    Object.assign(req, { body: {} });
    handler(req, res);
  });
  const s = await new Promise<{ url: string; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(close(server)));
  });
  try {
    const gzipped = gzipSync(JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]));
    const res = await send(`${s.url}/rest/batch`, 'POST', gzipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.is(res.status, 415, res.raw);
    assert.match(res.raw, 'Content-Encoding gzip is not supported');
  } finally {
    await s.close();
  }
});

test.run();
