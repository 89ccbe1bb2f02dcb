import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { loopbackFigures, measureLoopback } from './http-scenario.js';
import { freePort } from './free-port.js';
import type { ScenarioResult } from './report.js';

const N = 1000;
const LIMIT = 3;

/** Resolves once something accepts TCP connections on `port`, or rejects after `ms`. */
async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not listen on port ${port} within ${ms} ms`);
}

/** Starts a throw-away `redis-server` on a free port (no persistence); undefined when there is none. */
export async function startRedis(): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> } | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    await stopRedis(redis);
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, pid: redis.pid, stop: () => stopRedis(redis) };
}

function stopRedis(redis: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (redis.exitCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGTERM');
  });
}

/**
 * Scenario 3b (issue 6): the HTTP batch of N=1000 against the example server with its sessions in
 * Redis (`REDIS_URL`), next to the in-memory figure of scenario 2. Needs `redis-server` on the PATH.
 */
export async function redisScenario(): Promise<ScenarioResult> {
  const name = 'Scenario 3b — Redis store: HTTP batch N=1000 vs the memory store (issue 6)';
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    return {
      name,
      rows: [],
      targets: [{ name: 'Redis store', goal: `≤ ${LIMIT}× memory`, actual: 'skipped', pass: undefined }],
      notes: ['skipped: no redis-server on the PATH'],
    };
  }
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  try {
    await waitForPort(port, 10_000);
    const memory = loopbackFigures.get(N) ?? (await measureLoopback(N, {}, 'batch'));
    const onRedis = await measureLoopback(N, { REDIS_URL: `redis://127.0.0.1:${port}` }, 'batch');
    const ratio = onRedis.batchUs / memory.batchUs;
    const works = onRedis.ok.batch >= 0.9 * onRedis.ok.total.batch;
    return {
      name,
      rows: [
        {
          store: 'memory',
          'HTTP batch µs/sub': memory.batchUs,
          'vs memory': 1,
          ok: `${memory.ok.batch}/${memory.ok.total.batch}`,
          'server peak RSS MB': memory.serverPeakRssMb,
        },
        {
          store: 'redis',
          'HTTP batch µs/sub': onRedis.batchUs,
          'vs memory': ratio,
          ok: `${onRedis.ok.batch}/${onRedis.ok.total.batch}`,
          'server peak RSS MB': onRedis.serverPeakRssMb,
        },
      ],
      targets: [
        {
          name: `Redis store, HTTP batch N=${N}`,
          goal: `≤ ${LIMIT}× the memory store`,
          actual: works ? `${ratio.toFixed(2)}×` : `only ${onRedis.ok.batch}/${onRedis.ok.total.batch} succeeded`,
          pass: works ? ratio <= LIMIT : false,
        },
      ],
      notes: [`redis-server on 127.0.0.1:${port}, no persistence; the example server started with REDIS_URL.`],
    };
  } finally {
    await stopRedis(redis);
  }
}
