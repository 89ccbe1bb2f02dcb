import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Test } from 'uvu';

/** A `redis-server` child process on 127.0.0.1 that a test can stop and start again on the same port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, nothing saved) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
}

/**
 * The `redis-server` binary: `$REDIS_SERVER` when set (`none` acts as if none were installed),
 * else the first on PATH, /usr/sbin, /usr/local/bin or /usr/bin.
 */
export function findRedisServer(): string | undefined {
  const chosen = process.env.REDIS_SERVER;
  if (chosen !== undefined && chosen !== '') return chosen === 'none' ? undefined : chosen;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    const file = join(dir, 'redis-server');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/** Starts a throw-away `redis-server` (no persistence) on a free port. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      child = started;
      await waitForPing(port, started);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
  };
  await server.start();
  return server;
}

/**
 * Registers a suite's Redis: starts a server before its tests and stops it after. Returns `it`,
 * which registers a test, or, when no `redis-server` is installed, skips it by name (printing
 * `SKIP: <name>`); under CI a missing server fails the suite instead.
 */
export function useRedis(test: Test): { it: (name: string, fn: () => Promise<void>) => void; server: () => RedisServer } {
  const binary = findRedisServer();
  let server: RedisServer | undefined;
  if (binary === undefined) {
    if (process.env.CI === 'true') {
      test('redis-server is installed (CI runs the Redis suites, it never skips them)', () => {
        throw new Error('redis-server not found on PATH');
      });
    }
    return {
      it: (name, fn) => {
        console.log(`SKIP: ${name} (redis-server not found)`);
        test.skip(name, fn);
      },
      server: () => {
        throw new Error('redis-server not found');
      },
    };
  }
  test.before(async () => {
    server = await startRedisServer(binary);
  });
  test.after(async () => {
    await server?.stop();
  });
  return { it: (name, fn) => test(name, fn), server: () => server as RedisServer };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} (port ${port} taken?)`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(500, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply.startsWith('+PONG')));
  });
}
