import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { listen } from './support/listen.js';
import { slowEngine } from './support/slow-engine.js';

const BASE = 'http://restbatch.test';
const SEED_CURL_BODY = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";

/** Sends the same request through the fetch handler and through node:http, and returns both answers. */
async function both(path: string, init: RequestInit, maxBodyBytes?: number) {
  const answers = [];
  for (const kind of ['fetch', 'node'] as const) {
    const { engine } = exagoEngine({ anyContentType: true });
    let res: Response;
    if (kind === 'fetch') {
      res = await createFetchHandler(engine, { maxBodyBytes })(new Request(`${BASE}${path}`, init));
    } else {
      const s = await listen(createHttpHandler(engine, { maxBodyBytes }));
      res = await fetch(`${s.url}${path}`, init);
      await s.close();
    }
    const text = await res.text();
    const body = text === '' ? undefined : JSON.parse(text);
    // Session ids differ between runs; compare their shape.
    const json = JSON.stringify(body ?? null).replace(/[0-9a-f]{32}/g, '<id>');
    answers.push({ status: res.status, type: res.headers.get('content-type'), allow: res.headers.get('allow'), json });
  }
  return answers;
}

test('the fetch handler answers the seed curl body exactly as node:http does', async () => {
  const [f, n] = await both('/rest/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: SEED_CURL_BODY,
  });
  assert.is(f!.status, 200);
  assert.equal(f, n);
});

test('the fetch handler answers bad inputs exactly as node:http does', async () => {
  const json = { 'content-type': 'application/json' };
  const cases: Array<[string, RequestInit, number, number | undefined]> = [
    ['/rest/batch', { method: 'GET' }, 405, undefined],
    ['/rest/batch', { method: 'POST', headers: json, body: '[{"Url":' }, 400, undefined],
    ['/rest/Sessions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }, 415, undefined],
    ['/rest/batch', { method: 'POST', headers: json, body: JSON.stringify(SEED_BATCH) }, 413, 16],
    ['/nowhere', { method: 'GET' }, 404, undefined],
  ];
  for (const [path, init, status, limit] of cases) {
    const [f, n] = await both(path, init, limit);
    assert.is(f!.status, status, `${init.method} ${path}`);
    assert.equal(f, n);
  }
});

test('the fetch handler refuses a streamed body with 413 once it passes the limit', async () => {
  const { engine } = exagoEngine();
  const chunk = new Uint8Array(32).fill(0x20);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(chunk);
    },
  });
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit;
  const res = await createFetchHandler(engine, { maxBodyBytes: 64 })(new Request(`${BASE}/rest/Sessions`, init));
  assert.is(res.status, 413);
  assert.is(((await res.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
  assert.ok(pulled < 10, 'reading stopped at the limit');
});

test('the fetch handler streams NDJSON lines and a final summary', async () => {
  const { engine, gate } = slowEngine();
  gate.release();
  const batch = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Slow/a', Method: 'POST' },
  ];
  const res = await createFetchHandler(engine)(
    new Request(`${BASE}/rest/batch`, {
      method: 'POST',
      headers: { accept: 'application/x-ndjson', 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    }),
  );
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  // As the node handler: nginx would otherwise hold the lines in its buffer.
  assert.is(res.headers.get('x-accel-buffering'), 'no');
  const lines = (await res.text())
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.is(lines.length, 3);
  assert.is(lines[0].ReturnCode, '201');
  assert.equal(lines[1], { ReturnCode: '201', ResponseContent: { name: 'a' } });
  assert.equal(lines[2], { summary: { succeeded: 2, failed: 0, skipped: 0 } });
});

/** Sends `target` as is on the request line (fetch() and undici would resolve its dot segments first). */
function rawRequest(base: string, method: string, target: string, body?: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest({ hostname, port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, json: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('given the target as sent (requestTarget), the fetch handler refuses dot segments and odd targets as node:http does', async () => {
  const batch = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]);
  const cases: Array<[string, string, number]> = [
    // A WHATWG URL resolves both (`/rest/batch`, `/rest/Roles`): only the target as sent shows them.
    ['POST', '/rest/x/%2E%2E/batch', 400],
    ['GET', '/rest/Roles/%2e%2e/Roles', 400],
    ['POST', '/rest/x/../batch', 400],
    ['OPTIONS', '*', 400],
    // Absolute form (RFC 9112 §3.2.2): served as its path, as node:http serves it.
    ['POST', 'http://other.test/rest/batch', 200],
  ];
  for (const [method, target, status] of cases) {
    const body = method === 'POST' ? batch : undefined;
    const node = await listen(createHttpHandler(exagoEngine().engine));
    const fromNode = await rawRequest(node.url, method, target, body).finally(() => node.close());
    const handle = createFetchHandler(exagoEngine().engine, { requestTarget: (_request, info: string | undefined) => info });
    // The Request a runtime would build for this target: its url already resolved.
    const res = await handle(
      new Request(new URL(target === '*' ? '/' : target, BASE), {
        method,
        body,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      }),
      target,
    );
    const text = await res.text();
    const fromFetch = { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
    assert.is(fromFetch.status, status, `${method} ${target}`);
    assert.equal(JSON.stringify(fromFetch).replace(/[0-9a-f]{32}/g, '<id>'), JSON.stringify(fromNode).replace(/[0-9a-f]{32}/g, '<id>'));
    // The code sits where the endpoint's dialect puts it (`*` is under no API: the default shape).
    if (status === 400) assert.match(JSON.stringify(fromFetch.json), '"INVALID_PATH"', `${method} ${target}`);
  }
});

test('an aborted fetch request aborts the sub-requests not yet started', async () => {
  const { engine, gate } = slowEngine();
  const client = new AbortController();
  const batch = JSON.stringify([
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Slow/a', Method: 'POST' },
    { Url: 'Slow/b', Method: 'POST' },
  ]);
  const answer = createFetchHandler(engine)(
    new Request(`${BASE}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch,
      signal: client.signal,
    }),
  );
  await gate.whenStarted('a');
  client.abort();
  const res = await answer;
  const body = (await res.json()) as Array<{ ReturnCode: string; ResponseContent: { code: string } }>;
  assert.equal(
    body.slice(1).map((i) => [i.ReturnCode, i.ResponseContent.code]),
    [
      ['499', 'ABORTED'],
      ['499', 'ABORTED'],
    ],
  );
  assert.equal(gate.started, ['a']);
});

test('an onResponse that throws is logged and changes no answer, through the fetch handler and node:http alike', async () => {
  const onResponse = () => {
    throw new Error('an observer failed');
  };
  for (const kind of ['fetch', 'node'] as const) {
    const { engine } = exagoEngine();
    let res: Response;
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SEED_BATCH) };
    if (kind === 'fetch') res = await createFetchHandler(engine, { onResponse })(new Request(`${BASE}/rest/batch`, init));
    else {
      const s = await listen(createHttpHandler(engine, { onResponse }));
      res = await fetch(`${s.url}/rest/batch`, init);
      await s.close();
    }
    assert.is(res.status, 200, kind);
    const items = (await res.json()) as { ReturnCode: string }[];
    assert.equal(
      items.map((i) => i.ReturnCode),
      ['201', '204', '201'],
      kind,
    );
  }
});

test.run();
