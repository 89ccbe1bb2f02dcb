import { createDirectCaller } from '@restbatch/direct';
import { benchEngine } from '/work/main/bench/dist/bench-engine.js';
import { exagoMix } from '/work/main/bench/dist/exago-mix.js';
const n = 1000; const engine = benchEngine(); const call = createDirectCaller(engine); const calls = exagoMix(n);
const resp = (await engine.dispatch({ method: 'POST', url: '/rest/batch', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls), transport: 'direct' })).body;
const OP = Object.prototype, AP = Array.prototype;
class Unusual {}
const UNUSUAL = new Unusual();
function clone(v, depth) {
  switch (typeof v) {
    case 'string': case 'boolean': return v;
    case 'number': return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'object': {
      if (v === null) return null;
      if (depth > 256) throw UNUSUAL;
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== AP) throw UNUSUAL;
        const n = v.length; const out = new Array(n);
        for (let i = 0; i < n; i++) { const x = v[i]; out[i] = x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : clone(x, depth + 1); }
        return out;
      }
      const proto = Object.getPrototypeOf(v);
      if ((proto !== OP && proto !== null) || typeof v.toJSON === 'function') throw UNUSUAL;
      const out = {};
      for (const key in v) {
        if (!Object.hasOwn(v, key)) continue;
        const x = v[key];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        if (key === '__proto__') throw UNUSUAL;
        out[key] = clone(x, depth + 1);
      }
      return out;
    }
    default: throw UNUSUAL;
  }
}
function t(name, f, reps = 3000) { for (let i = 0; i < 300; i++) f(); const t0 = performance.now(); for (let i = 0; i < reps; i++) f(); console.log(name.padEnd(30), ((performance.now() - t0) * 1000 / reps / n).toFixed(3), 'µs/sub'); }
t('roundtrip', () => JSON.parse(JSON.stringify(resp)));
t('clone', () => clone(resp, 0));
t('roundtrip', () => JSON.parse(JSON.stringify(resp)));
t('clone', () => clone(resp, 0));
console.log(JSON.stringify(clone(resp,0)) === JSON.stringify(resp));
