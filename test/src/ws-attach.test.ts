import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebSocket, createWebSocketServer } from '@restbatch/ws';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import { SEED_BATCH } from './support/exago-engine.js';
import { TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

test('a standalone server runs batches at its path and answers plain HTTP requests with 426', async () => {
  const { engine } = wsTestEngine();
  const server = await createWebSocketServer(engine, { port: 0, host: '127.0.0.1' });
  assert.is(server.url, `ws://127.0.0.1:${server.port}/rest/ws`);
  const client = await TestClient.open(server.url);
  const answer = await client.request({ id: 's', endpoint: '/rest/batch', body: SEED_BATCH });
  assert.is(TestClient.response(answer).status, 200);
  const plain = await fetch(`http://127.0.0.1:${server.port}/rest/ws`);
  assert.is(plain.status, 426);
  await server.close();
  assert.is((await client.closed).code, 1001);
});

test('upgrades to other paths are left to the server’s other upgrade listeners', async () => {
  const { engine } = wsTestEngine();
  const server = createServer();
  const transport = attachWebSocket(engine, { server });
  const other = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send(JSON.stringify({ from: 'other' })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = await TestClient.open(`ws://127.0.0.1:${port}/other`);
  const greeting = await client.next(() => true);
  assert.equal(greeting, { from: 'other' });
  assert.is(transport.connections, 0);
  client.socket.terminate();
  await transport.close();
  other.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test.run();
