// `pnpm bench [scenario ...]`: runs the named scenarios (default: all, in order), prints a table each,
// writes each scenario's figures to bench/results/<scenario>.json, and after a full run
// bench/results/latest.json. `node bench/dist/index.js abuse` runs the abuse scenario alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { abuseScenario } from './abuse-scenario.js';
import { clientScenario } from './client-scenario.js';
import { directScenario } from './direct-scenario.js';
import { featuresScenario } from './features-scenario.js';
import { httpScenario } from './http-scenario.js';
import { observeScenario } from './observe-scenario.js';
import { redisClusterScenario } from './redis-cluster-scenario.js';
import { limitsScenario } from './limits-scenario.js';
import { redisScenario } from './redis-scenario.js';
import { serverCpuScenario } from './server-cpu-scenario.js';
import { printScenario, type ScenarioResult } from './report.js';

const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
  ['direct', directScenario],
  ['http', httpScenario],
  ['server-cpu', serverCpuScenario],
  ['features', featuresScenario],
  ['redis', redisScenario],
  ['redis-cluster', redisClusterScenario],
  ['client', clientScenario],
  ['observe', observeScenario],
  // LIMITS=<part>[,<part>] runs only those parts (direct, http, redis, engine).
  ['limits', () => limitsScenario(process.env.LIMITS ? process.env.LIMITS.split(',') : [])],
  // ABUSE=<text> runs only the attacks whose name contains it (case-insensitive).
  [
    'abuse',
    () => abuseScenario(process.env.ABUSE ? (name) => name.toLowerCase().includes(String(process.env.ABUSE).toLowerCase()) : undefined),
  ],
];

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !scenarios.some(([key]) => key === name));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; choose from ${scenarios.map(([key]) => key).join(', ')}`);
  process.exit(2);
}
const selected = asked.length === 0 ? scenarios : scenarios.filter(([key]) => asked.includes(key));

const started = Date.now();
const loadBefore = loadavg()[0] as number;
// Other work on the machine moves every figure: the load average is printed so readers can judge.
console.log(
  `restbatch bench — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadBefore.toFixed(2)}`,
);
const out = new URL('../results/', import.meta.url);
mkdirSync(out, { recursive: true });
const machine = () => ({
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  seconds: (Date.now() - started) / 1000,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg()[0],
});
const results: ScenarioResult[] = [];
for (const [key, run] of selected) {
  let result: ScenarioResult;
  try {
    result = await run();
  } catch (error) {
    result = { name: key, rows: [], targets: [], notes: [`failed: ${(error as Error).stack ?? String(error)}`] };
    process.exitCode = 1;
  }
  results.push(result);
  printScenario(result);
  writeFileSync(new URL(`${key}.json`, out), `${JSON.stringify({ ...machine(), scenario: result }, null, 2)}\n`);
}
const record = { ...machine(), scenarios: results };
if (selected.length === scenarios.length) writeFileSync(new URL('latest.json', out), `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nFigures written to ${out.pathname} (${record.seconds.toFixed(0)} s).`);
