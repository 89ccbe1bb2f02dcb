import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { within } from './support/ws-wait.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const DEPTH = 5000;
const DEEP = '['.repeat(DEPTH) + ']'.repeat(DEPTH);

/** What HTTP answers to the same body text. */
async function overHttp(text: string): Promise<{ status: number; body: unknown }> {
  const { engine } = wsTestEngine();
  const http = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${http.url}/rest/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    return { status: res.status, body: JSON.parse(await res.text()) };
  } finally {
    await http.close();
  }
}

test('a body nested deeper than the stack answers what HTTP answers (400 JSON_TOO_DEEP), and the connection stays open', async () => {
  const http = await overHttp(DEEP);
  assert.is(http.status, 400);
  assert.is((http.body as { code: string }).code, 'JSON_TOO_DEEP');
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    client.send(`{"id":"deep","endpoint":"/rest/batch","body":${DEEP}}`);
    const response = TestClient.response(await within(client.answer('deep'), 'the deep answer'));
    assert.equal({ status: response.status, body: response.body }, http);
    const after = await client.request({ id: 'ok', endpoint: '/rest/batch', body: [SESSION] });
    assert.is(TestClient.response(after).status, 200);
    await client.close();
  } finally {
    await ws.close();
  }
});

test('the deep body is read out of the message wherever it stands among the fields, with strings holding brackets and quotes', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const deepInObject = `{"a":"x]\\"}[","b":${'['.repeat(DEPTH)}"\\\\"${']'.repeat(DEPTH)}}`;
    client.send(`{ "body" : ${deepInObject} , "id" : "late", "headers": {"x-note": "]}\\""}, "endpoint":"/rest/batch"}`);
    const response = TestClient.response(await within(client.answer('late'), 'the deep answer'));
    assert.is(response.status, 400);
    assert.is((response.body as { code: string }).code, 'JSON_TOO_DEEP');
    assert.equal({ status: response.status, body: response.body }, await overHttp(deepInObject));
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
