import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { attachWebSocket, createWebSocketServer } from '@restbatch/ws';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket, WebSocketServer } from 'ws';
import { SEED_BATCH } from './support/exago-engine.js';
import { TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { within } from './support/ws-wait.js';

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

/**
 * Sends `request` on a fresh TCP connection; resolves with the answer's status line (`'no answer'`
 * when it closes without one). The socket goes into `opened`, for the test to destroy one left unanswered.
 */
function rawStatus(port: number, request: string, opened: Socket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    opened.push(socket);
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n')) {
        socket.destroy();
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    });
    socket.on('close', () => resolve(text === '' ? 'no answer' : text));
    socket.on('error', reject);
    socket.write(request);
  });
}

const upgradeTo = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Listens on a free port; `stop()` destroys every connection (upgraded ones too, answered or not) and closes the server. */
async function listen(server: Server): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('two transports on one server: each serves its path, and an upgrade to neither is answered 404 (it used to hang, each leaving it to the other)', async () => {
  const a = wsTestEngine().engine;
  const b = wsTestEngine().engine;
  const server = createServer();
  const first = attachWebSocket(a, { server, path: '/a' });
  const second = attachWebSocket(b, { server, path: '/b' });
  const { port, stop } = await listen(server);
  const opened: Socket[] = [];
  try {
    for (const path of ['/a', '/b']) {
      const client = await TestClient.open(`ws://127.0.0.1:${port}${path}`);
      assert.is(TestClient.response(await client.request({ id: 1, endpoint: '/rest/batch', body: SEED_BATCH })).status, 200, path);
      await client.close();
    }
    // Unanswered, the socket stays open (and uncounted by maxConnections) until the client gives up.
    assert.is(await within(rawStatus(port, upgradeTo('/c'), opened), 'the upgrade to /c to be answered'), 'HTTP/1.1 404 Not Found');
    // Once one transport is closed, its path is nobody's: the other answers 404 for it.
    await first.close();
    assert.is(await rawStatus(port, upgradeTo('/a'), opened), 'HTTP/1.1 404 Not Found');
    assert.throws(() => attachWebSocket(a, { server, path: '/b' }), /already serves \/b/);
  } finally {
    await first.close();
    await second.close();
    for (const socket of opened) socket.destroy();
    await stop();
  }
});

test('an app’s own upgrade listener next to two transports still gets the upgrades to its path, and the transports leave other paths to it', async () => {
  const server = createServer();
  const first = attachWebSocket(wsTestEngine().engine, { server, path: '/a' });
  const other = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send(JSON.stringify({ from: 'other' })));
    else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  const second = attachWebSocket(wsTestEngine().engine, { server, path: '/b' });
  const { port, stop } = await listen(server);
  const opened: Socket[] = [];
  try {
    const client = await TestClient.open(`ws://127.0.0.1:${port}/other`);
    assert.equal(await client.next(() => true), { from: 'other' });
    client.socket.terminate();
    // The app's listener answers the paths it does not serve: the transports stay silent.
    assert.is(await rawStatus(port, upgradeTo('/c'), opened), 'HTTP/1.1 400 Bad Request');
    assert.is(first.connections + second.connections, 0);
  } finally {
    other.close();
    await first.close();
    await second.close();
    for (const socket of opened) socket.destroy();
    await stop();
  }
});

test('an upgrade in absolute-form (GET http://host/rest/ws) is served as its path, as HTTP requests are (RFC 9112 §3.2.2: "A server MUST accept the absolute-form in requests")', async () => {
  const { engine } = wsTestEngine();
  const server = createServer();
  const transport = attachWebSocket(engine, { server });
  const { port, stop } = await listen(server);
  const opened: Socket[] = [];
  try {
    assert.is(await rawStatus(port, upgradeTo(`http://127.0.0.1:${port}/rest/ws?ticket=1`), opened), 'HTTP/1.1 101 Switching Protocols');
    assert.is(await rawStatus(port, upgradeTo(`http://127.0.0.1:${port}/rest/other`), opened), 'HTTP/1.1 404 Not Found');
    assert.is(await rawStatus(port, upgradeTo('*'), opened), 'HTTP/1.1 404 Not Found');
  } finally {
    await transport.close();
    for (const socket of opened) socket.destroy();
    await stop();
  }
});

test('no subprotocol a client offers is selected unless the server lists it (RFC 6455 §4.2.2: one "that the server is willing to use")', async () => {
  const { engine } = wsTestEngine();
  const server = createServer();
  const plain = attachWebSocket(engine, { server, path: '/plain' });
  const listed = attachWebSocket(engine, { server, path: '/listed', subprotocols: ['restbatch.v1', 'x-token'] });
  const { port, stop } = await listen(server);
  const opened: Socket[] = [];
  try {
    const none = await TestClient.open(`ws://127.0.0.1:${port}/plain`);
    assert.is(none.socket.protocol, '', 'a client that offers none connects');
    none.socket.terminate();
    const offered = await new Promise<string>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/plain`, ['graphql-transport-ws', 'mqtt']);
      socket.once('open', () => resolve(`selected ${JSON.stringify(socket.protocol)}`));
      socket.once('error', (error) => resolve(error.message));
    });
    // ws, as browsers, fails a handshake whose answer names none of the subprotocols it asked for.
    assert.is(offered, 'Server sent no subprotocol');
    const chosen = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/listed`, ['mqtt', 'x-token', 'restbatch.v1']);
      socket.once('open', () => {
        resolve(socket.protocol);
        socket.terminate();
      });
      socket.once('error', reject);
    });
    assert.is(chosen, 'x-token', 'the first one the client offers that the server lists');
    assert.throws(() => attachWebSocket(engine, { server, path: '/bad', subprotocols: ['a b'] }), /not a token/);
  } finally {
    await plain.close();
    await listed.close();
    for (const socket of opened) socket.destroy();
    await stop();
  }
});

test.run();
