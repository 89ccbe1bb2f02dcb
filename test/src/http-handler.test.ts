import 'reflect-metadata';
import { Readable } from 'node:stream';
import { createHttpHandler } from '@restbatch/http';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { listen } from './support/listen.js';

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> };
const JSON_HEADERS = { 'content-type': 'application/json' };
const SEED_CURL_BODY = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";

async function serve(exago = { anyContentType: true }, options: Parameters<typeof createHttpHandler>[1] = {}) {
  const { engine } = exagoEngine(exago);
  const server = await listen(createHttpHandler(engine, options));
  return { engine, ...server };
}

async function send(url: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(url, init);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: text === '' ? undefined : JSON.parse(text) };
}

test('the seed curl body sent as a form with single quotes runs as a batch', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: SEED_CURL_BODY,
    });
    assert.is(res.status, 200);
    assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.is(res.headers['restbatch-summary'], 'succeeded=2, failed=0, skipped=0');
    assert.equal(
      (res.json as Item[]).map((i) => i.ReturnCode),
      ['201', '204'],
    );
  } finally {
    await s.close();
  }
});

test('a session id from a batch works in ordinary GET, POST, PATCH and DELETE calls', async () => {
  const s = await serve();
  try {
    const batch = await send(`${s.url}/rest/batch`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(SEED_BATCH) });
    const sid = (batch.json as Item[])[0]!.ResponseContent.Id as string;
    const param = await send(`${s.url}/rest/Parameters/MyParameter?sid=${sid}`);
    assert.is(param.status, 200);
    assert.is(param.json.PromptText, 'Input a value');
    const added = await send(`${s.url}/rest/Roles?sid=${sid}`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ Id: 'Other', IsActive: false }),
    });
    assert.is(added.status, 201);
    const patched = await send(`${s.url}/rest/Roles/Other?sid=${sid}`, {
      method: 'PATCH',
      headers: JSON_HEADERS,
      body: JSON.stringify({ IsActive: true }),
    });
    assert.is(patched.status, 204);
    assert.is(patched.text, '');
    assert.is(patched.headers['content-type'], undefined);
    const deleted = await send(`${s.url}/rest/Parameters/MyParameter?sid=${sid}`, { method: 'DELETE' });
    assert.is(deleted.status, 204);
    const gone = await send(`${s.url}/rest/Parameters/MyParameter?sid=${sid}`);
    assert.is(gone.status, 404);
    assert.is(gone.json.code, 'NOT_FOUND');
  } finally {
    await s.close();
  }
});

test('POST /rest/Sessions creates a session outside a batch', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/rest/Sessions`, { method: 'POST' });
    assert.is(res.status, 201);
    assert.match(String(res.json.Id), /^[0-9a-f]{32}$/);
  } finally {
    await s.close();
  }
});

test('a body of exactly the limit is read and one byte more is refused with 413', async () => {
  const body = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]);
  const s = await serve(undefined, { maxBodyBytes: Buffer.byteLength(body) });
  try {
    const ok = await send(`${s.url}/rest/batch`, { method: 'POST', headers: JSON_HEADERS, body });
    assert.is(ok.status, 200);
    const over = await send(`${s.url}/rest/batch`, { method: 'POST', headers: JSON_HEADERS, body: `${body} ` });
    assert.is(over.status, 413);
    assert.is(over.json.code, 'PAYLOAD_TOO_LARGE');
    assert.is(over.json.stacktrace, null);
    assert.is(over.headers.connection, 'close');
  } finally {
    await s.close();
  }
});

test('a streamed body without Content-Length is refused with 413 once it passes the limit', async () => {
  const s = await serve(undefined, { maxBodyBytes: 64 });
  try {
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(32, 0x20));
    const res = await send(`${s.url}/rest/Sessions`, { method: 'POST', headers: JSON_HEADERS, body: Readable.from(chunks) });
    assert.is(res.status, 413);
    assert.is(res.json.code, 'PAYLOAD_TOO_LARGE');
  } finally {
    await s.close();
  }
});

test('a non-JSON Content-Type on an ordinary route is refused with 415', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/rest/Sessions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.is(res.status, 415);
    assert.is(res.json.code, 'UNSUPPORTED_MEDIA_TYPE');
  } finally {
    await s.close();
  }
});

test('a non-JSON Content-Type on the batch endpoint is refused with 415 when the leniency is off', async () => {
  const s = await serve({ anyContentType: false });
  try {
    const res = await send(`${s.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: SEED_CURL_BODY,
    });
    assert.is(res.status, 415);
    assert.is(res.json.code, 'UNSUPPORTED_MEDIA_TYPE');
  } finally {
    await s.close();
  }
});

test('malformed JSON is refused with 400 and the position of the error', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/rest/batch`, { method: 'POST', headers: JSON_HEADERS, body: '[{"Url": "Sessions",, }]' });
    assert.is(res.status, 400);
    assert.is(res.json.code, 'JSON_MALFORMED');
    assert.is(typeof res.json.details.position, 'number');
    assert.match(res.json.reason, /position/);
  } finally {
    await s.close();
  }
});

test('GET on the batch endpoint is refused with 405 and Allow: POST', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/rest/batch`);
    assert.is(res.status, 405);
    assert.is(res.headers.allow, 'POST');
    assert.is(res.json.code, 'METHOD_NOT_ALLOWED');
  } finally {
    await s.close();
  }
});

test('a path outside every API answers 404 ROUTE_NOT_FOUND', async () => {
  const s = await serve();
  try {
    const res = await send(`${s.url}/elsewhere`);
    assert.is(res.status, 404);
    assert.is(res.json.error.code, 'ROUTE_NOT_FOUND');
  } finally {
    await s.close();
  }
});

test('as middleware, paths the engine does not serve go to next and served ones do not', async () => {
  const { engine } = exagoEngine();
  const handler = createHttpHandler(engine);
  const s = await listen((req, res) =>
    handler(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('next');
    }),
  );
  try {
    const other = await request(`${s.url}/health`);
    assert.is(await other.body.text(), 'next');
    const served = await send(`${s.url}/rest/Sessions`, { method: 'POST' });
    assert.is(served.status, 201);
  } finally {
    await s.close();
  }
});

test('the outer request headers reach sub-requests and the client address reaches the engine', async () => {
  const { engine } = exagoEngine();
  const seen: Array<Record<string, unknown>> = [];
  const dispatch = engine.dispatch.bind(engine);
  engine.dispatch = (req) => {
    seen.push({ remoteAddress: req.remoteAddress, transport: req.transport, auth: (req.headers as Record<string, string>).authorization });
    return dispatch(req);
  };
  const s = await listen(createHttpHandler(engine));
  try {
    await send(`${s.url}/rest/Sessions`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    assert.equal(seen, [{ remoteAddress: '127.0.0.1', transport: 'http', auth: 'Bearer x' }]);
  } finally {
    await s.close();
  }
});

test.run();
