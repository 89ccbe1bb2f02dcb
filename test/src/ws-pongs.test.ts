import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { startWs, TestClient } from './support/ws-test-client.js';
import { wsTestEngine } from './support/ws-test-engine.js';
import { rawSocket, within } from './support/ws-wait.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
/** The bytes of one pong of a 125-byte ping, as the server frames it (2 bytes of header, no mask). */
const PONG_BYTES = 127;

/** `count` masked ping frames of 125 bytes (the most a control frame carries), written in one socket write. */
function pings(client: TestClient, count: number): void {
  const frame = Buffer.concat([Buffer.from([0x89, 0x80 | 125, 0, 0, 0, 0]), Buffer.alloc(125, 97)]);
  const socket = (client.socket as unknown as { _socket: { write(data: Buffer): void } })._socket;
  socket.write(Buffer.concat(Array.from({ length: count }, () => frame)));
}

test('a client that pings and never reads is closed by the write timeout; its pongs never pile up in the server (RFC 6455 §5.5.3: only the latest ping needs its pong)', async () => {
  const { engine } = wsTestEngine();
  const highWaterMark = 64 * 1024;
  // A budget no burst reaches: what bounds this client must be the send buffer, not the message rate.
  const ws = await startWs(engine, { highWaterMark, drainTimeoutMs: 300, closeGraceMs: 100, maxMessagesPerWindow: 10_000_000 });
  try {
    const client = await TestClient.open(ws.url);
    rawSocket(client.socket).pause();
    // 16 MB of pongs: far more than loopback's socket buffers take (about 4 MB), the rest would wait in the server.
    pings(client, 130_000);
    let peak = 0;
    await until(
      () => {
        peak = Math.max(peak, ws.transport.buffered);
        return ws.transport.connections === 0 || peak > 2 * PONG_BYTES;
      },
      'the server has closed the connection of the client that does not read',
      20_000,
    );
    assert.ok(peak <= 2 * PONG_BYTES, `at most one pong waited in the server's buffer (${peak} bytes seen)`);
    assert.is(ws.transport.connections, 0);
  } finally {
    await ws.close();
  }
});

test('a client that reads gets a pong for each ping it sends between requests, with that ping’s payload', async () => {
  const { engine } = wsTestEngine();
  const ws = await startWs(engine);
  try {
    const client = await TestClient.open(ws.url);
    const payloads: string[] = [];
    client.socket.on('pong', (data: Buffer) => payloads.push(data.toString()));
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        client.socket.once('pong', () => resolve());
        client.socket.ping(`ping ${i}`);
      });
      const answer = await within(client.request({ id: i, endpoint: '/rest/batch', body: [SESSION] }), `request ${i}`);
      assert.is(TestClient.response(answer).status, 200);
    }
    assert.equal(payloads, ['ping 0', 'ping 1', 'ping 2', 'ping 3', 'ping 4']);
    await client.close();
  } finally {
    await ws.close();
  }
});

test.run();
