import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport, responses } from './support/claim-engine.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const ECHO = '/rest/echo/v1/batch';
const SESSION = { Url: 'Sessions', Method: 'POST' };
const FORWARDED = ['X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'x-forwarded-client-cert', 'X-Forwarded-Proto'];

eachTransport(test, 'a sub-request may set no x-forwarded-* header: 400 INVALID_HEADER for each, the others run', async ({ call }) => {
  const res = await call({
    url: ECHO,
    body: {
      requests: [
        ...FORWARDED.map((name) => ({ method: 'get', path: '/echo/a', headers: [{ name, value: 'spoofed' }] })),
        { method: 'get', path: '/echo/b', headers: [{ name: 'X-Forwarder', value: 'not a forwarded header' }] },
      ],
    },
  });
  const items = responses(res);
  for (const [i, name] of FORWARDED.entries()) {
    assert.is(items[i]?.status, 400, name);
    assert.is(items[i]?.body.errorCode, 'INVALID_HEADER', name);
  }
  assert.is(items[FORWARDED.length]?.status, 200);
});

test('a WebSocket message may set no x-forwarded-* header: the connection speaks for its upgrade request only', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    for (const name of FORWARDED) {
      const answer = await client.request({ id: name, endpoint: '/rest/batch', headers: { [name]: '10.0.0.1' }, body: [SESSION] });
      const final = answer.final as { type: string; code?: string; message?: string };
      assert.is(final.type, 'error', name);
      assert.is(final.code, 'INVALID_HEADER', name);
      assert.is(final.message, `A message may not set the ${name.toLowerCase()} header; it comes from the upgrade request only`);
    }
    const fine = await client.request({ id: 'ok', endpoint: '/rest/batch', headers: { 'x-forwarder': 'x' }, body: [SESSION] });
    assert.is(TestClient.response(fine).status, 200);
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
