import 'reflect-metadata';
import { request as rawRequest } from 'node:http';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request over node:http and returns the status, headers and the bytes of the body. */
function send(url: string, method: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = rawRequest(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(run: (url: string, sid: string) => Promise<void>): Promise<void> {
  const { engine } = exagoEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const created = await fetch(`${s.url}/rest/Sessions`, { method: 'POST' });
    const sid = ((await created.json()) as { Id: string }).Id;
    await run(s.url, sid);
  } finally {
    await s.close();
  }
}

test('HEAD on an ordinary route answers as GET does, without the body', async () => {
  await withServer(async (url, sid) => {
    const get = await send(`${url}/rest/Roles/MyRole?sid=${sid}`, 'GET');
    const head = await send(`${url}/rest/Roles/MyRole?sid=${sid}`, 'HEAD');
    assert.is(get.status, 200);
    assert.is(head.status, 200);
    assert.is(head.body, '');
    assert.is(head.headers['content-type'], get.headers['content-type']);
    assert.is(head.headers['content-length'], String(Buffer.byteLength(get.body)));
  });
});

test('HEAD answers what GET answers when GET fails too (401 without a session, 404 for an unknown id)', async () => {
  await withServer(async (url, sid) => {
    for (const path of ['/rest/Roles', `/rest/Roles/Nope?sid=${sid}`]) {
      const get = await send(`${url}${path}`, 'GET');
      const head = await send(`${url}${path}`, 'HEAD');
      assert.ok(get.status >= 400, path);
      assert.is(head.status, get.status, path);
      assert.is(head.body, '');
    }
  });
});

test('a 405 on an ordinary route lists HEAD in Allow wherever GET is allowed', async () => {
  await withServer(async (url, sid) => {
    const put = await send(`${url}/rest/Roles?sid=${sid}`, 'PUT');
    assert.is(put.status, 405);
    const allowed = (put.headers.allow ?? '').split(', ');
    assert.ok(allowed.includes('GET'), put.headers.allow);
    assert.ok(allowed.includes('HEAD'), put.headers.allow);
    const options = await send(`${url}/rest/Roles?sid=${sid}`, 'OPTIONS');
    assert.is(options.status, 405);
    assert.ok((options.headers.allow ?? '').split(', ').includes('HEAD'), options.headers.allow);
  });
});

test("RFC 9110 §15.5.6: OPTIONS or TRACE on an ordinary route answers 405 whose Allow lists exactly the resource's methods (and details.allowed); on no resource, 404", async () => {
  await withServer(async (url, sid) => {
    for (const method of ['OPTIONS', 'TRACE']) {
      const res = await send(`${url}/rest/Roles?sid=${sid}`, method);
      assert.is(res.status, 405, method);
      assert.is(res.headers.allow, 'GET, HEAD, POST', method);
      const body = JSON.parse(res.body) as { code: string; details: { allowed: string[] } };
      assert.is(body.code, 'METHOD_NOT_ALLOWED');
      assert.equal(body.details.allowed, ['GET', 'POST']);
      const none = await send(`${url}/rest/Nope?sid=${sid}`, method);
      assert.is(none.status, 404, method);
      assert.is((JSON.parse(none.body) as { code: string }).code, 'ROUTE_NOT_FOUND');
    }
  });
});

test('a 405 on a route without GET does not list HEAD', async () => {
  await withServer(async (url) => {
    const get = await send(`${url}/rest/Sessions`, 'GET');
    assert.is(get.status, 405);
    assert.not.ok((get.headers.allow ?? '').includes('HEAD'), get.headers.allow);
  });
});

test('batch endpoints answer HEAD with 405 and Allow: POST', async () => {
  await withServer(async (url) => {
    const head = await send(`${url}/rest/batch`, 'HEAD');
    assert.is(head.status, 405);
    assert.is(head.headers.allow, 'POST');
    assert.is(head.body, '');
  });
});

test('the fetch handler answers HEAD with the GET status and headers and a null body', async () => {
  const { engine } = exagoEngine();
  const handle = createFetchHandler(engine);
  const created = await handle(new Request('http://restbatch.test/rest/Sessions', { method: 'POST' }));
  const sid = ((await created.json()) as { Id: string }).Id;
  const get = await handle(new Request(`http://restbatch.test/rest/Roles/MyRole?sid=${sid}`));
  const getBody = await get.text();
  const head = await handle(new Request(`http://restbatch.test/rest/Roles/MyRole?sid=${sid}`, { method: 'HEAD' }));
  assert.is(head.status, 200);
  assert.is(head.body, null);
  assert.is(head.headers.get('content-type'), get.headers.get('content-type'));
  assert.is(head.headers.get('content-length'), String(Buffer.byteLength(getBody)));
  const batch = await handle(new Request('http://restbatch.test/rest/batch', { method: 'HEAD' }));
  assert.is(batch.status, 405);
  assert.is(batch.headers.get('allow'), 'POST');
  assert.is(batch.body, null);
});

test.run();
