// `pnpm bench`: runs every scenario in order, prints a table each and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { directScenario } from './direct-scenario.js';
import { featuresScenario } from './features-scenario.js';
import { httpScenario } from './http-scenario.js';
import { redisScenario } from './redis-scenario.js';
import { printScenario, type ScenarioResult } from './report.js';

const scenarios: Array<[string, () => Promise<ScenarioResult>]> = [
  ['direct', directScenario],
  ['http', httpScenario],
  ['references and atomic', featuresScenario],
  ['redis', redisScenario],
];

const started = Date.now();
const loadBefore = loadavg()[0] as number;
// Other work on the machine moves every figure: the load average is printed so readers can judge.
console.log(
  `restbatch bench — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadBefore.toFixed(2)}`,
);
const results: ScenarioResult[] = [];
for (const [name, run] of scenarios) {
  try {
    const result = await run();
    results.push(result);
    printScenario(result);
  } catch (error) {
    const failed: ScenarioResult = { name, rows: [], targets: [], notes: [`failed: ${(error as Error).stack ?? String(error)}`] };
    results.push(failed);
    printScenario(failed);
    process.exitCode = 1;
  }
}
const out = new URL('../results/', import.meta.url);
mkdirSync(out, { recursive: true });
const file = new URL('latest.json', out);
const record = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  seconds: (Date.now() - started) / 1000,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg()[0],
  scenarios: results,
};
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nFigures written to ${file.pathname} (${record.seconds.toFixed(0)} s).`);
