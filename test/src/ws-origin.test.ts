import { createServer, request } from 'node:http';
import { attachWebSocket, createWebSocketServer } from '@restbatch/ws';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };

/** The status an upgrade request gets: 101 when it became a WebSocket (the socket is then dropped). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      path: pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('an upgrade from an origin not in allowedOrigins is refused with 403; a listed origin and no origin are accepted', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, { allowedOrigins: ['https://app.example'] });
  try {
    assert.is(await upgradeStatus(ws.url, { origin: 'https://evil.example' }), 403);
    assert.is(await upgradeStatus(ws.url, { origin: 'null' }), 403);
    assert.is(await upgradeStatus(ws.url, { origin: 'https://app.example.evil.example' }), 403);
    assert.is(ws.transport.connections, 0);
    assert.is(await upgradeStatus(ws.url, { origin: 'https://APP.example' }), 101);
    const browser = await TestClient.open(ws.url, {}, { origin: 'https://app.example' });
    assert.is(TestClient.response(await browser.request({ id: 1, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await browser.close();
    const tool = await TestClient.open(ws.url);
    assert.is(TestClient.response(await tool.request({ id: 2, endpoint: '/rest/batch', body: [SESSION] })).status, 200);
    await tool.close();
  } finally {
    await ws.close();
  }
});

test('allowedOrigins as a function and verifyUpgrade both decide; a check that throws refuses', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine, {
    allowedOrigins: (origin) => origin.endsWith('.trusted.example'),
    verifyUpgrade: (req) => {
      if (req.headers['x-boom'] !== undefined) throw new Error('boom');
      return req.headers['x-ticket'] === 'ok';
    },
  });
  try {
    assert.is(await upgradeStatus(ws.url, { origin: 'https://a.trusted.example', 'x-ticket': 'ok' }), 101);
    assert.is(await upgradeStatus(ws.url, { origin: 'https://a.other.example', 'x-ticket': 'ok' }), 403);
    assert.is(await upgradeStatus(ws.url, { 'x-ticket': 'no' }), 403);
    assert.is(await upgradeStatus(ws.url, { 'x-ticket': 'ok', 'x-boom': '1' }), 403);
    assert.is(await upgradeStatus(ws.url, { 'x-ticket': 'ok' }), 101);
  } finally {
    await ws.close();
  }
});

test('the standalone server checks origins too, and by default accepts every origin', async () => {
  const { engine } = wsTestEngine();
  const strict = await createWebSocketServer(engine, { allowedOrigins: ['https://app.example'] });
  const open = await createWebSocketServer(engine);
  try {
    assert.is(await upgradeStatus(strict.url, { origin: 'https://evil.example' }), 403);
    assert.is(await upgradeStatus(strict.url, { origin: 'https://app.example' }), 101);
    assert.is(await upgradeStatus(open.url, { origin: 'https://evil.example' }), 101);
    const client = await TestClient.open(open.url, {}, { origin: 'https://evil.example' });
    assert.is(TestClient.response(await client.request({ id: 's', endpoint: '/rest/batch', body: SEED_BATCH })).status, 200);
    await client.close();
  } finally {
    await strict.close();
    await open.close();
  }
});

test('allowedOrigins must hold origins', () => {
  const { engine } = wsTestEngine();
  assert.throws(() => attachWebSocket(engine, { server: createServer(), allowedOrigins: [''] }), /allowedOrigins holds ""/);
});

test.run();
