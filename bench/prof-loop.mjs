import { createDirectCaller } from '@restbatch/direct';
import { benchEngine } from '/work/main/bench/dist/bench-engine.js';
import { exagoMix, sessionIdOf } from '/work/main/bench/dist/exago-mix.js';
const n = Number(process.argv[2] ?? 1000);
const engine = benchEngine(); const call = createDirectCaller(engine); const calls = exagoMix(n);
const end = Date.now() + Number(process.argv[3] ?? 6000); const samples = []; const cpu = [];
while (Date.now() < end) { const t0 = performance.now(); const c0 = process.cpuUsage(); for (let k = 0; k < Math.ceil(20000 / n); k++) { const r = await call({ url: '/rest/batch', body: calls }); await engine.store.destroy(sessionIdOf(r.body)); } const c = process.cpuUsage(c0); samples.push((performance.now() - t0) * 1000 / (Math.ceil(20000 / n) * n)); cpu.push((c.user + c.system) / (Math.ceil(20000 / n) * n)); }
samples.sort((a, b) => a - b); cpu.sort((a, b) => a - b);
console.log('wall min', samples[0].toFixed(3), 'median', samples[samples.length >> 1].toFixed(3), ' cpu min', cpu[0].toFixed(3), 'median', cpu[cpu.length >> 1].toFixed(3));
