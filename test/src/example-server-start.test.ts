import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startExampleServer } from '@restbatch/example-server';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slowEngine } from './support/slow-engine.js';

const SEED_CURL_BODY = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const MAIN = fileURLToPath(new URL('../../examples/server/dist/main.js', import.meta.url));

test('the example server runs the seed curl batch, logs one line for it and closes', async () => {
  const lines: string[] = [];
  const server = await startExampleServer({ host: '127.0.0.1', port: 0, log: (line) => lines.push(line) });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await request(`${server.url}/rest/batch`, { method: 'POST', headers: FORM, body: SEED_CURL_BODY });
    assert.is(res.statusCode, 200);
    const body = (await res.body.json()) as Array<{ ReturnCode: string }>;
    assert.equal(
      body.map((i) => i.ReturnCode),
      ['201', '204'],
    );
    assert.is(lines.length, 1);
    assert.match(lines[0]!, /^POST \/rest\/batch 2 sub-requests succeeded=2 failed=0 skipped=0 \d+\.\dms$/);
    const call = await request(`${server.url}/rest/Sessions`, { method: 'POST' });
    await call.body.json();
    assert.is(lines.length, 1, 'ordinary calls are not logged as batches');
  } finally {
    await server.close();
  }
  assert.is(server.server.listening, false);
});

test('closing the example server lets a running batch finish and answers new requests with 503', async () => {
  const { engine, gate } = slowEngine();
  const server = await startExampleServer({ port: 0, engine });
  const batch = JSON.stringify([
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Slow/a', Method: 'POST' },
    { Url: 'Slow/b', Method: 'POST' },
  ]);
  const running = request(`${server.url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
  await gate.whenStarted('a');
  const closed = server.close();
  const late = await request(`${server.url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
  assert.is(late.statusCode, 503);
  assert.is(((await late.body.json()) as { code: string }).code, 'SHUTTING_DOWN');
  gate.release();
  const first = await running;
  assert.is(first.statusCode, 200);
  const items = (await first.body.json()) as Array<{ ReturnCode: string }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    ['201', '201', '201'],
  );
  await closed;
  assert.is(server.server.listening, false);
});

test('main.js prints its URL and a curl command, logs batches and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(out)) {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
      out += chunk.toString('utf8');
    }
    return pattern.exec(out)!;
  };
  try {
    const url = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    await waitFor(/Try: curl .*\n/);
    assert.ok(out.includes(`curl ${url}/rest/batch -X POST -d "${SEED_CURL_BODY}"`));
    const res = await request(`${url}/rest/batch`, { method: 'POST', headers: FORM, body: SEED_CURL_BODY });
    assert.is(res.statusCode, 200);
    await res.body.text();
    await waitFor(/POST \/rest\/batch 2 sub-requests succeeded=2/);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.is(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
