import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RawWsClient } from './support/raw-ws-client.js';
import { startWs } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a client's close frame aborts its running batch at once, though it keeps the TCP socket open: later sub-requests never run", async () => {
  const { engine, probe } = wsTestEngine();
  const ws = await startWs(engine);
  let client: RawWsClient | undefined;
  try {
    client = await RawWsClient.open(ws.url);
    const body = [SESSION, { Url: 'Test/Hold/h', Method: 'POST' }, { Url: 'Test/Echo/after', Method: 'POST' }];
    client.sendText(JSON.stringify({ id: 'run', endpoint: '/rest/batch', body }));
    await within(probe.whenStarted('h'), 'the held sub-request to start');
    client.sendClose(1000);
    for (let i = 0; i < 200 && !probe.aborted.includes('h'); i++) await tick(10);
    assert.equal(probe.aborted, ['h'], 'the running sub-request saw the abort');
    probe.release('h');
    await tick(100);
    assert.not.ok(probe.started.includes('after'), 'the later sub-request did not run');
  } finally {
    probe.release('h');
    client?.destroy();
    await ws.close();
  }
});

test('a client that keeps TCP open after its close frame is cut off after closeGraceMs, not after ws close timeout', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { closeGraceMs: 200 });
  let client: RawWsClient | undefined;
  try {
    client = await RawWsClient.open(ws.url);
    assert.is(ws.transport.connections, 1);
    client.sendClose(1000);
    // ws's own close timeout is 30 s; the connection's grace is 200 ms.
    for (let i = 0; i < 300 && ws.transport.connections > 0; i++) await tick(10);
    assert.is(ws.transport.connections, 0, 'the server dropped the half-open socket');
  } finally {
    client?.destroy();
    await ws.close();
  }
});

test.run();
