import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LoopbackFigures, measureLoopback } from './http-scenario.js';
import { freePort } from './free-port.js';
import type { ScenarioResult } from './report.js';

const run = promisify(execFile);
const N = 1000;
const LIMIT = 1.5;
const PRIMARIES = 3;

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Asks `redis-cli -p port args...` until the reply contains `wanted` (or rejects after `ms`). */
async function until(port: number, args: string[], wanted: string, ms: number): Promise<void> {
  const limit = Date.now() + ms;
  for (;;) {
    const out = await run('redis-cli', ['-p', String(port), ...args]).then(
      (r) => r.stdout,
      () => '',
    );
    if (out.includes(wanted)) return;
    if (Date.now() > limit) throw new Error(`redis on ${port} did not answer ${wanted} to ${args.join(' ')} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Issue 17: the HTTP batch of N=1000 against the example server with its sessions on a Redis
 * Cluster of three primaries (`REDIS_CLUSTER_NODES`), next to the same batch on one Redis
 * (`REDIS_URL`) in the same run. Needs `redis-server` and `redis-cli` on the PATH.
 */
export async function redisClusterScenario(): Promise<ScenarioResult> {
  const name = 'Redis Cluster: HTTP batch N=1000 on 3 primaries vs one Redis (issue 17)';
  if (spawnSync('redis-server', ['--version']).status !== 0 || spawnSync('redis-cli', ['--version']).status !== 0) {
    return {
      name,
      rows: [],
      targets: [{ name: 'Redis Cluster', goal: `≤ ${LIMIT}× one Redis`, actual: 'skipped', pass: undefined }],
      notes: ['skipped: no redis-server or redis-cli on the PATH'],
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'restbatch-bench-cluster-'));
  const ports = await freePorts(1 + 2 * PRIMARIES);
  const [single, ...rest] = ports as [number, ...number[]];
  const nodes = rest.slice(0, PRIMARIES);
  const buses = rest.slice(PRIMARIES);
  const plain = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const children: ChildProcess[] = [spawn('redis-server', ['--port', String(single), ...plain], { stdio: 'ignore' })];
  for (const [i, port] of nodes.entries()) {
    const cluster = [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(buses[i]),
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
    ];
    children.push(spawn('redis-server', ['--port', String(port), ...cluster, ...plain], { stdio: 'ignore' }));
  }
  try {
    for (const port of [single, ...nodes]) await until(port, ['ping'], 'PONG', 10_000);
    const seeds = nodes.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    for (const port of nodes) await until(port, ['cluster', 'info'], 'cluster_state:ok', 10_000);
    // Two rounds, alternating, the best of each kept: the machine is shared, and the first server
    // started warms caches the second profits from.
    let one: LoopbackFigures | undefined;
    let onCluster: LoopbackFigures | undefined;
    for (let round = 0; round < 2; round++) {
      const a = await measureLoopback(N, { REDIS_URL: `redis://127.0.0.1:${single}` }, 'batch');
      const b = await measureLoopback(N, { REDIS_CLUSTER_NODES: seeds.join(',') }, 'batch');
      if (one === undefined || a.batchUs < one.batchUs) one = a;
      if (onCluster === undefined || b.batchUs < onCluster.batchUs) onCluster = b;
    }
    if (one === undefined || onCluster === undefined) throw new Error('no round ran');
    const ratio = onCluster.batchUs / one.batchUs;
    const works = onCluster.ok.batch >= 0.9 * onCluster.ok.total.batch;
    const row = (store: string, f: LoopbackFigures, vs: number) => ({
      store,
      'HTTP batch µs/sub': f.batchUs,
      'vs one Redis': vs,
      ok: `${f.ok.batch}/${f.ok.total.batch}`,
      'server peak RSS MB': f.serverPeakRssMb,
    });
    return {
      name,
      rows: [row('one redis', one, 1), row(`cluster (${PRIMARIES} primaries)`, onCluster, ratio)],
      targets: [
        {
          name: `Redis Cluster, HTTP batch N=${N}`,
          goal: `≤ ${LIMIT}× one Redis`,
          actual: works ? `${ratio.toFixed(2)}×` : `only ${onCluster.ok.batch}/${onCluster.ok.total.batch} succeeded`,
          pass: works ? ratio <= LIMIT : false,
        },
      ],
      notes: [
        `one redis-server on 127.0.0.1:${single}; a cluster of ${PRIMARIES} primaries (no replicas) on ${nodes.join(', ')}; no persistence.`,
        'Two alternating rounds; the best figure of each store is kept.',
      ],
    };
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}
