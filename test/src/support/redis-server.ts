import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Test } from 'uvu';
import { missingPrerequisite } from './missing-prerequisite.js';
import { Cleanup, guarded, withinTime } from './guarded-test.js';

/** A `redis-server` child process on 127.0.0.1 that a test can stop and start again on the same port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** The pid of the running process, or undefined when it is stopped or gone. */
  readonly pid: number | undefined;
  /** Whether the process is running (it may have died on its own: a crash, a signal). */
  readonly running: boolean;
  /**
   * Stops the server (SIGTERM, nothing saved; SIGKILL if it is still there after a few seconds)
   * and waits for it to exit; returns at once when it has already gone, whatever ended it.
   */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
}

/**
 * The `redis-server` binary: `$REDIS_SERVER` when set (`none` acts as if none were installed),
 * else the first on PATH, /usr/sbin, /usr/local/bin or /usr/bin.
 */
export function findRedisServer(): string | undefined {
  return findProgram('redis-server', process.env.REDIS_SERVER);
}

/**
 * A program: `chosen` when set (`none` acts as if none were installed), else the first executable
 * `name` on PATH, /usr/sbin, /usr/local/bin or /usr/bin.
 */
export function findProgram(name: string, chosen: string | undefined): string | undefined {
  if (chosen !== undefined && chosen !== '') return chosen === 'none' ? undefined : chosen;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin']) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/** How long `stop()` waits after SIGTERM before it sends SIGKILL, and after SIGKILL before it gives up. */
const KILL_AFTER_MS = 3000;

/** Starts a throw-away `redis-server` (no persistence) on a free port. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
  const port = await freePort();
  let child: Running | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.exited() === undefined ? child?.process.pid : undefined;
    },
    get running() {
      return child !== undefined && child.exited() === undefined;
    },
    async start() {
      const started = spawnRunning(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
      child = started;
      await waitForPing(port, started);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running !== undefined) await stopRunning(running);
    },
  };
  await server.start();
  return server;
}

/** A child process and a promise that settles once it has gone, whatever ended it (exit code, signal, spawn error). */
export interface Running {
  readonly process: ChildProcess;
  readonly gone: Promise<void>;
  readonly exited: () => string | undefined;
}

// Children still running when this process exits (a crashed suite) are killed, never left behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function spawnRunning(binary: string, args: string[]): Running {
  const child = spawn(binary, args, { stdio: 'ignore' });
  live.add(child);
  let why: string | undefined;
  const gone = new Promise<void>((resolve) => {
    const done = (reason: string) => {
      why ??= reason;
      live.delete(child);
      resolve();
    };
    // 'exit' may never come for a process that failed to spawn ('error' only); 'close' follows both.
    child.once('exit', (code, signal) => done(signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
    child.once('error', (error) => done(`failed: ${error.message}`));
    child.once('close', (code, signal) => done(signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
  });
  return { process: child, gone, exited: () => why };
}

/** Sends SIGTERM, then SIGKILL after {@link KILL_AFTER_MS}; resolves once the child is gone (or throws if even SIGKILL did not end it). */
export async function stopRunning(running: Running): Promise<void> {
  if (running.exited() !== undefined) return;
  running.process.kill('SIGTERM');
  if (await settlesWithin(running.gone, KILL_AFTER_MS)) return;
  running.process.kill('SIGKILL');
  if (await settlesWithin(running.gone, KILL_AFTER_MS)) return;
  throw new Error(`redis-server (pid ${running.process.pid}) did not exit after SIGKILL`);
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return withinTime(promise, ms, 'redis-server exit').then(
    () => true,
    () => false,
  );
}

/** How long one Redis test may run before it fails as hung (its stores are closed all the same). */
export const TEST_LIMIT_MS = 60_000;

/** What {@link useRedis} gives a suite. */
export interface RedisSuite {
  /** Registers a test; whatever it passes to `closing` is closed in a `finally`, and a stopped server is started again. */
  it: (name: string, fn: () => Promise<void>) => void;
  /** The suite's server (throws when none is installed). */
  server: () => RedisServer;
  /** Registers `close` (a store, client or engine's close) to run after the current test, pass or fail. */
  closing: (close: () => unknown) => void;
}

/**
 * Registers a suite's Redis: starts a server before its tests and stops it after. Returns `it`,
 * which registers a test; when no `redis-server` is installed the suite is one failing test
 * ({@link missingPrerequisite}) instead.
 */
export function useRedis(test: Test): RedisSuite {
  const binary = findRedisServer();
  let server: RedisServer | undefined;
  let current: Cleanup | undefined;
  const suiteLevel = new Cleanup();
  const closing = (close: () => unknown) => (current ?? suiteLevel).add(close);
  if (binary === undefined) {
    missingPrerequisite(test, 'redis-server', 'Redis', 'apt-get install -y redis-server');
    return {
      it: () => undefined,
      server: () => {
        throw new Error('redis-server not found');
      },
      closing,
    };
  }
  test.before(async () => {
    server = await startRedisServer(binary);
  });
  test.after(async () => {
    await suiteLevel.run(5000);
    await server?.stop();
  });
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      const cleanup = new Cleanup();
      current = cleanup;
      // A test that stopped the server and failed before starting it again must not fail the next ones.
      cleanup.add(async () => {
        if (server !== undefined && !server.running) await server.start();
      });
      try {
        await guarded(fn, cleanup, TEST_LIMIT_MS);
      } finally {
        current = undefined;
      }
    });
  return { it, server: () => server as RedisServer, closing };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function waitForPing(port: number, child: Running): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const why = child.exited();
    if (why !== undefined) throw new Error(`redis-server ${why} (port ${port} taken?)`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await stopRunning(child);
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
