// bytesTaken is the progress every write timeout reads (core's WriteWatch, under the HTTP and
// WebSocket transports): the bytes of its writes the kernel has taken from a socket. It must move
// while a reader takes one large write (nothing public does before the write ends), stay while the
// reader stops, and never fall. Over TLS the socket's own private fields are no such measure (its
// handle is a TLSWrap, whose writeQueueSize holds the whole encrypted write until it has gone, and
// exceeds the clear text _bytesDispatched counts): it reads the TCP handle beneath. Each case runs
// over plain TCP and over TLS, on one write of 24 MiB, more than the kernel's buffers hold.
import { once } from 'node:events';
import { type AddressInfo, connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { bytesTaken, bytesUnsent } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settled } from './support/big-results-engine.js';
import { TLS_CREDENTIALS } from './support/listen-tls.js';
import { until } from './support/until.js';
import { within } from './support/within.js';

const MIB = 1024 * 1024;
const SIZE = 24 * MIB;

/** A server that, once the client sends a byte, writes {@link SIZE} bytes in one write; and its client, paused. */
async function oneLargeWrite(tls: boolean): Promise<{
  /** The server's socket, once it has written; what bytesTaken read just before. */
  served: Promise<{ socket: Socket; before: number }>;
  client: Socket;
  close: () => void;
}> {
  let serve!: (value: { socket: Socket; before: number }) => void;
  const served = new Promise<{ socket: Socket; before: number }>((resolve) => {
    serve = resolve;
  });
  const onSocket = (socket: Socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      const before = bytesTaken(socket);
      socket.write(Buffer.alloc(SIZE, 120));
      serve({ socket, before });
    });
  };
  const server: Server = tls ? createTlsServer(TLS_CREDENTIALS, onSocket) : createTcpServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = tls ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false }) : connectTcp(port, '127.0.0.1');
  client.on('error', () => undefined);
  await once(client, tls ? 'secureConnect' : 'connect');
  client.pause();
  client.write('go');
  return {
    served,
    client,
    close: () => {
      client.destroy();
      server.close();
    },
  };
}

/** Reads what `client` holds, at most `bytes`; returns how much it read. */
function readSome(client: Socket, bytes: number): number {
  let read = 0;
  while (read < bytes) {
    const chunk = client.read() as Buffer | null;
    if (chunk === null) break;
    read += chunk.length;
  }
  return read;
}

for (const tls of [false, true]) {
  const over = tls ? 'over TLS' : 'over TCP';

  test(`${over}: bytesTaken counts what the kernel took of one large write while it is in progress, stays while the reader stops, and never falls`, async () => {
    const { served, client, close } = await oneLargeWrite(tls);
    const falls: string[] = [];
    let sampler: ReturnType<typeof setInterval> | undefined;
    try {
      const { socket, before } = await within(served, 'the server wrote');
      let last = before;
      sampler = setInterval(() => {
        const taken = bytesTaken(socket);
        if (taken < last) falls.push(`${last} → ${taken}`);
        last = taken;
      }, 1);
      // The client reads nothing yet: the kernel took what its buffers hold of the write, no more.
      const atOnce = await settled(() => bytesTaken(socket));
      assert.ok(atOnce > before, `the kernel took part of the write at once (${before} → ${atOnce})`);
      assert.ok(socket.writableLength > 0, 'the write is still in progress');
      // The client reads a little at a time until the server sees progress: the write is still in progress.
      let read = 0;
      await until(
        () => {
          read += readSome(client, 64 * 1024);
          return bytesTaken(socket) > atOnce;
        },
        'bytesTaken grew as the client read',
        10_000,
      );
      assert.ok(read < SIZE, `the client read part of the write (${read} bytes)`);
      assert.ok(socket.writableLength > 0, 'progress is seen inside the write, before it ends');
      // The client stops: the count settles, below what was written.
      const stopped = await settled(() => bytesTaken(socket));
      assert.ok(stopped < (tls ? SIZE + before : SIZE), `nothing more is counted than the kernel took (${stopped})`);
      // The client reads the rest: the whole write is counted (over TLS, its records' overhead too).
      client.on('data', (chunk: Buffer) => {
        read += chunk.length;
      });
      client.resume();
      await until(() => read >= SIZE && socket.writableLength === 0, 'the client read the whole write', 30_000);
      await until(() => bytesTaken(socket) - before >= SIZE, `the whole write is counted (${bytesTaken(socket) - before})`);
      assert.equal(falls, [], 'bytesTaken never fell');
    } finally {
      clearInterval(sampler);
      close();
    }
  });

  test(`${over}: bytesUnsent falls while the reader takes one large write, and is 0 once it has all of it`, async () => {
    const { served, client, close } = await oneLargeWrite(tls);
    try {
      const { socket } = await within(served, 'the server wrote');
      const atOnce = await settled(() => bytesUnsent(socket) ?? Number.NaN);
      assert.ok(atOnce > 0, `part of the write waits for the reader (${atOnce})`);
      await until(
        () => {
          readSome(client, 64 * 1024);
          return (bytesUnsent(socket) ?? atOnce) < atOnce;
        },
        'bytesUnsent fell as the client read',
        10_000,
      );
      assert.ok(socket.writableLength > 0, 'it falls inside the write, before it ends');
      client.resume();
      await until(() => socket.writableLength === 0, 'the client read the whole write', 30_000);
      assert.is(bytesUnsent(socket), 0);
    } finally {
      close();
    }
  });
}

test('a TLS socket whose TCP handle tells nothing (another runtime, TLS over a stream) counts whole writes gone, never its TLSWrap queue', () => {
  // The shape of a tls.TLSSocket: _handle is its TLSWrap, _parent the handle beneath it.
  const socket = {
    _bytesDispatched: 100,
    _handle: { writeQueueSize: 130, bytesWritten: 100, _parent: {} },
    bytesWritten: 100,
    writableLength: 60,
  };
  assert.is(bytesTaken(socket), 40);
  assert.is(bytesUnsent(socket), undefined);
});

test('bytesTaken is 0 and bytesUnsent undefined for what is not a socket', () => {
  for (const value of [undefined, null, 42, 'socket', {}]) {
    assert.is(bytesTaken(value), 0);
    assert.is(bytesUnsent(value), undefined);
  }
});

test.run();
