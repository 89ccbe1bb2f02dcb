import { createDirectCaller } from '@restbatch/direct';
import { benchEngine } from '/work/main/bench/dist/bench-engine.js';
import { exagoMix, exagoMixWithReferences, sessionIdOf } from '/work/main/bench/dist/exago-mix.js';
const n = 1000; const v = process.argv[2];
const engine = benchEngine(); const call = createDirectCaller(engine); const calls = v === 'references' ? exagoMixWithReferences(n) : exagoMix(n);
const url = v === 'atomic' ? '/rest/batch?onFail=atomic' : '/rest/batch';
const end = Date.now() + 5000; const samples = [];
while (Date.now() < end) { const t0 = performance.now(); for (let k = 0; k < 20; k++) { const r = await call({ url, body: calls }); await engine.store.destroy(sessionIdOf(r.body)); } samples.push((performance.now() - t0) / 20); }
samples.sort((a, b) => a - b); console.log(v, 'min', samples[0].toFixed(3), 'median', samples[samples.length >> 1].toFixed(3));
