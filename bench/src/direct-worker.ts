// Child process of the in-process scenarios: `node --expose-gc direct-worker.js direct|floor N [plain|references|atomic]`.
// Prints one JSON line: median µs per sub-request, successes, and (direct) peak memory of one batch.
import { createDirectCaller } from '@restbatch/direct';
import { benchEngine } from './bench-engine.js';
import { countSuccesses, exagoMix, exagoMixWithReferences, sessionIdOf } from './exago-mix.js';
import { createFloor } from './floor.js';
import { collectGarbage, peakRssMb, plan, rssMb, timePerSub } from './measure.js';

/** Which batch the worker sends: the plain mix, the mix with references, or the plain mix as an atomic batch. */
export type Variant = 'plain' | 'references' | 'atomic';

/** What one worker reports. */
export interface DirectFigures {
  mode: 'direct' | 'floor';
  variant: Variant;
  n: number;
  usPerSub: number;
  /** CPU time of the worker per sub-request (median). */
  cpuUsPerSub: number;
  ok: number;
  total: number;
  baselineRssMb?: number;
  peakRssMb?: number;
  heapGrowthMb?: number;
}

const mode = process.argv[2] === 'floor' ? 'floor' : 'direct';
const n = Number(process.argv[3]);
const variant: Variant = process.argv[4] === 'references' ? 'references' : process.argv[4] === 'atomic' ? 'atomic' : 'plain';
const engine = benchEngine();
const calls = variant === 'references' ? exagoMixWithReferences(n) : exagoMix(n);
// Exago's envelope has no room for a failure policy: restbatch reads it from the batch URL.
const url = variant === 'atomic' ? '/rest/batch?onFail=atomic' : '/rest/batch';
const { perBlock, reps, warmups } = plan(n, 2000, 200_000, 7);
const sessions: string[] = [];
let ok = 0;
let total = 0;
let figures: DirectFigures;

if (mode === 'direct') {
  const call = createDirectCaller(engine);
  const once = async () => {
    const response = await call({ url, body: calls });
    ok += countSuccesses(response.body);
    total += n;
    const sid = sessionIdOf(response.body);
    if (sid !== undefined) sessions.push(sid);
  };
  // Memory first, in a fresh heap: warm up with small batches, then one batch of n.
  const small = exagoMix(Math.min(n, 100));
  for (let i = 0; i < 50; i++) await call({ url, body: small });
  collectGarbage();
  const baseline = rssMb();
  const heapBefore = process.memoryUsage().heapUsed;
  await once();
  const heapAfter = process.memoryUsage().heapUsed;
  const peak = peakRssMb() ?? rssMb();
  await drop();
  ok = 0;
  total = 0;
  const timing = await timePerSub(
    perBlock * n,
    warmups,
    reps,
    async () => {
      for (let b = 0; b < perBlock; b++) await once();
    },
    drop,
  );
  figures = {
    mode,
    variant,
    n,
    usPerSub: timing.wall,
    cpuUsPerSub: timing.cpu,
    ok,
    total,
    baselineRssMb: baseline,
    peakRssMb: peak,
    heapGrowthMb: (heapAfter - heapBefore) / 2 ** 20,
  };
} else {
  const floor = createFloor(engine, calls);
  const timing = await timePerSub(
    perBlock * n,
    warmups,
    reps,
    async () => {
      for (let b = 0; b < perBlock; b++) {
        const result = await floor();
        ok += result.ok;
        total += n;
        sessions.push(result.sessionId);
      }
    },
    drop,
  );
  figures = { mode, variant, n, usPerSub: timing.wall, cpuUsPerSub: timing.cpu, ok, total };
}
process.stdout.write(`${JSON.stringify(figures)}\n`);

/** Ends the sessions the timed batches made, outside the timing, so the store does not grow. */
async function drop(): Promise<void> {
  for (const sid of sessions) await engine.store.destroy(sid);
  sessions.length = 0;
}
