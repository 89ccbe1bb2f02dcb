import type { DirectFigures } from './direct-worker.js';
import { runWorker } from './measure.js';
import type { Row, ScenarioResult } from './report.js';

const SIZES = [1, 10, 100, 1000, 10_000];
const WORKER = new URL('./direct-worker.js', import.meta.url);

/**
 * Scenario 1 (issue 2): Exago batches through `createDirectCaller` against the same handlers called
 * in a loop (the floor). Each size and each mode runs in its own process.
 */
export async function directScenario(): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const byN = new Map<number, { direct: DirectFigures; floor: DirectFigures }>();
  for (const n of SIZES) {
    const direct = await runWorker<DirectFigures>(WORKER, ['direct', String(n)]);
    const floor = await runWorker<DirectFigures>(WORKER, ['floor', String(n)]);
    byN.set(n, { direct, floor });
    rows.push({
      N: n,
      'direct µs/sub': direct.usPerSub,
      'floor µs/sub': floor.usPerSub,
      'ratio to floor': direct.usPerSub / floor.usPerSub,
      'direct CPU µs/sub': direct.cpuUsPerSub,
      'floor CPU µs/sub': floor.cpuUsPerSub,
      'ok (direct)': `${direct.ok}/${direct.total}`,
      'ok (floor)': `${floor.ok}/${floor.total}`,
      'peak RSS MB': direct.peakRssMb,
      'batch heap MB': direct.heapGrowthMb,
    });
  }
  const at1000 = byN.get(1000)?.direct;
  const at10000 = byN.get(10_000)?.direct;
  const allOk = [...byN.values()].every(({ direct, floor }) => direct.ok >= direct.total * 0.9 && floor.ok >= floor.total * 0.9);
  return {
    name: 'Scenario 1 — Exago batch, direct transport vs handler floor (issue 2)',
    rows,
    targets: [
      {
        name: 'direct, N=1000',
        goal: '≤ 2.5 µs/sub-request',
        actual: `${at1000?.usPerSub.toFixed(2)} µs`,
        pass: at1000 !== undefined && at1000.usPerSub <= 2.5,
      },
      {
        name: 'direct, N=10000 peak memory',
        goal: '< 150 MB',
        actual: `${at10000?.peakRssMb?.toFixed(0)} MB RSS`,
        pass: at10000?.peakRssMb === undefined ? undefined : at10000.peakRssMb < 150,
      },
      { name: 'sub-requests succeeded', goal: '≥ 90% 2xx', actual: allOk ? 'yes' : 'no', pass: allOk },
    ],
    notes: [
      'µs/sub = median over repetitions of (batch wall time / N), after warm-up; each N and mode in a fresh `node --expose-gc` process; targets are judged on it.',
      'CPU µs/sub = the same medians in CPU time of the worker (GC threads included): close to wall time on a quiet machine, much lower than it on a busy one.',
      'peak RSS = the worker process’s VmHWM after one batch of N (includes Node’s own ~45 MB); batch heap = heap growth over that batch before GC.',
    ],
  };
}
