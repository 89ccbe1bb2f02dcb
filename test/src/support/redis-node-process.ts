import { Redis } from 'ioredis';
import { type Running, spawnRunning, stopRunning, waitForPing } from './redis-server.js';

/** A `redis-server` process of a test topology that a test can crash and start again on its port. */
export interface RedisNodeProcess {
  readonly port: number;
  readonly running: boolean;
  /** Starts it (again) on its port with its arguments plus `extra`, and waits until it answers PING. */
  start(extra?: string[]): Promise<void>;
  /** SIGKILL, as a crash: nothing is flushed, clients see the connection drop. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** A node on 127.0.0.1:`port` that keeps its files in `dir` and never persists data. */
export function redisNodeProcess(server: string, port: number, dir: string, args: string[]): RedisNodeProcess {
  let child: Running | undefined;
  return {
    port,
    get running() {
      return child !== undefined && child.exited() === undefined;
    },
    async start(extra = []) {
      const base = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
      // A replica syncs at once instead of waiting 5 s for others to share the transfer.
      const started = spawnRunning(server, [...args, ...base, '--repl-diskless-sync-delay', '0', ...extra]);
      child = started;
      await waitForPing(port, started);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exited() !== undefined) return;
      running.process.kill('SIGKILL');
      await running.gone;
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running !== undefined) await stopRunning(running);
    },
  };
}

/** Runs `fn` on a one-shot connection to 127.0.0.1:`port` that fails at once instead of retrying. */
export async function withRedisNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}
