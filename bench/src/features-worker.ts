// Child process of scenario 3a: `node --expose-gc features-worker.js N`. Times the plain batch,
// the batch with references and the atomic batch in one process, in turns, so that other load on
// the machine weighs on the three alike; prints one JSON line.
import { createDirectCaller } from '@restbatch/direct';
import { benchEngine } from './bench-engine.js';
import { countSuccesses, type ExagoCall, exagoMix, exagoMixWithReferences, sessionIdOf } from './exago-mix.js';
import { median } from './measure.js';

/** The figures of one variant. */
export interface VariantFigures {
  variant: 'plain' | 'references' | 'atomic';
  usPerSub: number;
  ok: number;
  total: number;
}

const n = Number(process.argv[2]);
const engine = benchEngine();
const call = createDirectCaller(engine);
const variants: Array<{ name: VariantFigures['variant']; url: string; calls: ExagoCall[]; samples: number[]; ok: number; total: number }> =
  [
    { name: 'plain', url: '/rest/batch', calls: exagoMix(n), samples: [], ok: 0, total: 0 },
    { name: 'references', url: '/rest/batch', calls: exagoMixWithReferences(n), samples: [], ok: 0, total: 0 },
    // Exago's envelope has no room for a failure policy: restbatch reads it from the batch URL.
    { name: 'atomic', url: '/rest/batch?onFail=atomic', calls: exagoMix(n), samples: [], ok: 0, total: 0 },
  ];
const perBlock = Math.max(1, Math.ceil(2000 / n));
const reps = Math.max(9, Math.round(60_000 / (perBlock * n)));

async function block(v: (typeof variants)[number], timed: boolean): Promise<void> {
  const sessions: string[] = [];
  const start = performance.now();
  for (let b = 0; b < perBlock; b++) {
    const response = await call({ url: v.url, body: v.calls });
    if (timed) {
      v.ok += countSuccesses(response.body);
      v.total += n;
    }
    const sid = sessionIdOf(response.body);
    if (sid !== undefined) sessions.push(sid);
  }
  if (timed) v.samples.push(((performance.now() - start) * 1000) / (perBlock * n));
  for (const sid of sessions) await engine.store.destroy(sid);
}

for (let i = 0; i < Math.max(3, reps >> 2); i++) for (const v of variants) await block(v, false);
for (let i = 0; i < reps; i++) for (const v of variants) await block(v, true);
const figures: VariantFigures[] = variants.map((v) => ({ variant: v.name, usPerSub: median(v.samples), ok: v.ok, total: v.total }));
process.stdout.write(`${JSON.stringify(figures)}\n`);
