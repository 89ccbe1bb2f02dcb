import { readFileSync } from 'node:fs';
import { exagoMix } from './exago-mix.js';
import { httpBatch, httpPool } from './http-clients.js';
import type { ScenarioResult } from './report.js';
import { startServerProcess } from './server-process.js';

const N = 1000;
const WARMUP = 100;
const BATCHES = 1000;
const RUNS = 3;

/** CPU time (user + system, GC threads included) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses; clock ticks of 10 ms.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The example server's own CPU time per sub-request for HTTP batches of N=1000, read from
 * /proc: far steadier than the client's wall time on a shared 2-core machine (the client and the
 * server share the cores), so small changes to the hot path show. Median of three fresh servers.
 */
export async function serverCpuScenario(): Promise<ScenarioResult> {
  const calls = exagoMix(N);
  const figures: number[] = [];
  const oks: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let ok = 0;
    const server = await startServerProcess();
    const pool = httpPool(server.url);
    try {
      for (let i = 0; i < WARMUP; i++) await httpBatch(pool, calls);
      const before = cpuMs(server.pid);
      for (let i = 0; i < BATCHES; i++) ok += (await httpBatch(pool, calls)).ok;
      figures.push(((cpuMs(server.pid) - before) * 1000) / (BATCHES * N));
      oks.push(ok);
    } finally {
      await pool.close();
      await server.kill();
    }
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return {
    name: `Server CPU — example server's CPU µs per sub-request, HTTP batches of N=${N} (issue 10: at most 10% over the figure before the budgets)`,
    rows: figures.map((us, i) => ({ run: i + 1, 'server CPU µs/sub': us, ok: `${oks[i]}/${BATCHES * N}` })),
    targets: [],
    notes: [
      `median ${median.toFixed(2)} µs/sub; before the budgets (commit 3de05b4) this scenario gave a median of 4.61 µs/sub over 9 runs on this machine (4.45–5.00).`,
      'CPU time from /proc/<pid>/stat (user + system, 10 ms ticks) over 1000 batches after 100 warm-up batches; one fresh server per run.',
    ],
  };
}
