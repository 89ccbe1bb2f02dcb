import { createDirectCaller } from '@restbatch/direct';
import { parseJson } from '@restbatch/core';
import { benchEngine } from '/work/main/bench/dist/bench-engine.js';
import { exagoMix } from '/work/main/bench/dist/exago-mix.js';
const n = 1000; const engine = benchEngine(); const call = createDirectCaller(engine); const calls = exagoMix(n);
const r = await call({ url: '/rest/batch', body: calls }); const resp = r.body;
function t(name, f, reps = 2000) { for (let i = 0; i < 200; i++) f(); const t0 = performance.now(); for (let i = 0; i < reps; i++) f(); console.log(name.padEnd(30), ((performance.now() - t0) * 1000 / reps / n).toFixed(3), 'µs/sub'); }
const text = JSON.stringify(calls); const rtext = JSON.stringify(resp);
console.log('req bytes/sub', text.length / n, 'resp bytes/sub', rtext.length / n);
t('stringify req', () => JSON.stringify(calls));
t('JSON.parse req', () => JSON.parse(text));
t('parseJson req', () => parseJson(text, { maxDepth: 64, maxStringLength: 262144, singleQuotes: true }));
t('stringify resp', () => JSON.stringify(resp));
t('parse resp', () => JSON.parse(rtext));
t('structuredClone resp', () => structuredClone(resp));
