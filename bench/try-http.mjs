import { measureLoopback } from './dist/http-scenario.js';
for (const n of process.argv.slice(2).map(Number)) { const t0 = Date.now(); console.log(JSON.stringify(await measureLoopback(n)), (Date.now() - t0) + 'ms'); }
