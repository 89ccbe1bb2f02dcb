import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_LISTENER,
  type ExampleServer,
  type ExampleServerOptions,
  listenerOptionsFromEnv,
  resolveListener,
  startExampleServer,
} from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slowEngine } from './support/slow-engine.js';
import { until } from './support/until.js';

const MAIN = fileURLToPath(new URL('../../examples/server/dist/main.js', import.meta.url));
/** How long main.js may take to start (or to refuse to): loading its modules takes about a second on a quiet machine, many on a busy one. */
const STARTUP_MS = 30_000;

/** A raw client socket that records what it received and whether the server closed it. */
interface Probe {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
}

async function open(url: string): Promise<Probe> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
  });
  await once(socket, 'connect');
  return { socket, received: () => received, closed: () => closed };
}

/** Sends `text` one byte every 50 ms, as a slow client does, until the socket closes or `stop()`. */
function drip(probe: Probe, text: string): () => void {
  let at = 0;
  const timer = setInterval(() => {
    if (probe.closed() || at >= text.length) return;
    probe.socket.write(text[at++] as string);
  }, 50);
  return () => clearInterval(timer);
}

async function serverUp(server: ExampleServer): Promise<void> {
  const res = await fetch(`${server.url}/rest/Sessions`, { method: 'POST', headers: { connection: 'close' } });
  assert.is(res.status, 201, 'the server still answers');
  await res.text();
}

async function withServer(options: ExampleServerOptions, run: (server: ExampleServer) => Promise<void>): Promise<void> {
  const server = await startExampleServer({ port: 0, ...options });
  try {
    await run(server);
  } finally {
    server.server.closeAllConnections();
    await server.close();
  }
}

test('a body sent a byte at a time is cut after requestTimeoutMs, and the server stays up', async () => {
  await withServer({ headersTimeoutMs: 200, requestTimeoutMs: 400 }, async (server) => {
    const probe = await open(server.url);
    probe.socket.write('POST /rest/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const stop = drip(probe, `[${' '.repeat(998)}]`);
    try {
      await until(probe.closed, 'the server closed the slow connection');
      assert.ok(probe.received() === '' || probe.received().startsWith('HTTP/1.1 408'), probe.received());
    } finally {
      stop();
      probe.socket.destroy();
    }
    await serverUp(server);
  });
});

test('headers sent a byte at a time are cut after headersTimeoutMs', async () => {
  await withServer({ headersTimeoutMs: 200, requestTimeoutMs: 10_000 }, async (server) => {
    const probe = await open(server.url);
    const stop = drip(probe, `GET /rest/Sessions HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(500)}\r\n\r\n`);
    try {
      await until(probe.closed, 'the server closed the slow connection');
      assert.ok(probe.received() === '' || probe.received().startsWith('HTTP/1.1 408'), probe.received());
    } finally {
      stop();
      probe.socket.destroy();
    }
    await serverUp(server);
  });
});

test('a connection with no traffic for idleTimeoutMs is closed, even while its request runs', async () => {
  const { engine, gate } = slowEngine();
  await withServer({ engine, idleTimeoutMs: 200 }, async (server) => {
    const probe = await open(server.url);
    const batch = JSON.stringify([
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Slow/a', Method: 'POST' },
    ]);
    probe.socket.write(
      `POST /rest/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${batch.length}\r\n\r\n${batch}`,
    );
    try {
      await gate.whenStarted('a');
      await until(probe.closed, 'the server closed the idle connection');
      // The client is gone: the running handler sees its abort signal.
      await until(() => gate.aborted.includes('a'), 'the running handler was aborted');
    } finally {
      gate.release();
      probe.socket.destroy();
    }
  });
});

test('connections beyond maxConnections are closed as they arrive, and the server stays up', async () => {
  await withServer({ maxConnections: 2 }, async (server) => {
    // Node emits 'connection' only for connections it keeps.
    let accepted = 0;
    server.server.on('connection', (socket: Socket) => {
      accepted++;
      socket.on('close', () => accepted--);
    });
    const held = [await open(server.url), await open(server.url)];
    try {
      await until(() => accepted === 2, 'the server holds two connections');
      const extra = await open(server.url);
      await until(extra.closed, 'the server closed the connection over the cap');
      assert.is(extra.received(), '');
      assert.not.ok(
        held.some((p) => p.closed()),
        'the connections under the cap stay open',
      );
    } finally {
      for (const p of held) p.socket.destroy();
    }
    await until(() => accepted === 0, 'the held connections are gone');
    await serverUp(server);
  });
});

test('the listener options have tight defaults and are checked', () => {
  assert.equal(resolveListener({}), {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5_000,
    idleTimeoutMs: 60_000,
    maxConnections: 1024,
    writeTimeoutMs: 30_000,
  });
  assert.equal(resolveListener({}), DEFAULT_LISTENER);
  assert.throws(() => resolveListener({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }), /must not exceed requestTimeoutMs/);
  assert.throws(() => resolveListener({ maxConnections: 0 }), /maxConnections must be at least 1/);
  assert.throws(() => resolveListener({ idleTimeoutMs: -1 }), /idleTimeoutMs must be a non-negative integer/);
});

test('the listener options are read from the environment, and a bad value names its variable', () => {
  assert.equal(
    listenerOptionsFromEnv({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      HTTP_IDLE_TIMEOUT_MS: '4000',
      HTTP_MAX_CONNECTIONS: '10',
      HTTP_WRITE_TIMEOUT_MS: '500',
      PORT: '8080',
    }),
    {
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      keepAliveTimeoutMs: 300,
      idleTimeoutMs: 4000,
      maxConnections: 10,
      writeTimeoutMs: 500,
    },
  );
  assert.equal(listenerOptionsFromEnv({ HTTP_MAX_CONNECTIONS: '' }), {});
  assert.throws(() => listenerOptionsFromEnv({ HTTP_MAX_CONNECTIONS: 'lots' }), /HTTP_MAX_CONNECTIONS must be a non-negative integer/);
  assert.throws(() => listenerOptionsFromEnv({ HTTP_IDLE_TIMEOUT_MS: '-5' }), /HTTP_IDLE_TIMEOUT_MS/);
});

test('main.js applies the limits from its environment: a slow body is cut', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', HTTP_HEADERS_TIMEOUT_MS: '200', HTTP_REQUEST_TIMEOUT_MS: '400' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  try {
    await until(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out), 'main.js listens', STARTUP_MS);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const probe = await open(url);
    probe.socket.write('POST /rest/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n');
    const stop = drip(probe, '['.repeat(100));
    try {
      await until(probe.closed, 'the server closed the slow connection');
    } finally {
      stop();
      probe.socket.destroy();
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('main.js refuses to start with a bad limit in its environment', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', HTTP_MAX_CONNECTIONS: 'many' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  try {
    await until(() => child.exitCode !== null, 'main.js exited', STARTUP_MS);
    assert.is.not(child.exitCode, 0);
    assert.match(err, /HTTP_MAX_CONNECTIONS must be a non-negative integer/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
