// `Expect: 100-continue` (RFC 9110 §10.1.1): curl sends it for bodies over 1 MB, .NET's HttpClient
// and others for large bodies. node:http answers `100 Continue` to every such request unless the
// server listens to `checkContinue`; the handler's `checkContinue` invites the body only once it
// reads it, so a declared body over the limit gets 413 at once, and a body within it still runs.
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { startExampleServer } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, exagoApi } from '@restbatch/core';

const BATCH = JSON.stringify([
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Roles', Method: 'GET' },
]);

/**
 * Sends the head of a POST with `Expect: 100-continue`, waits for the first answer line, sends the
 * body only when it is `100 Continue` (as curl does), and answers every status line it got.
 */
function expectContinue(port: number, length: number, body: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    const statuses = () => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]!);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      const seen = statuses();
      if (!sent && seen[0] === '100') {
        sent = true;
        socket.write(body);
      }
      if (seen.some((s) => s !== '100') && /\r\n\r\n[\s\S]*$/.test(text.slice(text.lastIndexOf('HTTP/1.1')))) {
        // A final answer arrived; give its body a moment, then stop.
        setTimeout(() => {
          socket.destroy();
          resolve(statuses());
        }, 100);
      }
    });
    socket.on('error', reject);
    socket.write(
      `POST /rest/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`,
    );
  });
}

test('the example server refuses a declared body over the limit with 413 at once: no 100 Continue invites it', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const port = Number(new URL(server.url).port);
    assert.equal(await expectContinue(port, 1_100_000, ''), ['413']);
  } finally {
    await server.close();
  }
});

test('a body within the limit is invited with 100 Continue and runs', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const port = Number(new URL(server.url).port);
    assert.equal(await expectContinue(port, Buffer.byteLength(BATCH), BATCH), ['100', '200']);
  } finally {
    await server.close();
  }
});

test('a handler mounted without checkContinue works as before: node invites the body, the handler reads it', async () => {
  const engine = createEngine({ apis: [exagoApi({ configs: { default: { roles: [] } } })] });
  const server: Server = createServer(createHttpHandler(engine));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    assert.equal(await expectContinue(port, Buffer.byteLength(BATCH), BATCH), ['100', '200']);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await engine.close();
  }
});

test.run();
