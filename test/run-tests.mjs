// Runs every compiled suite (test/dist/**/*.test.js) in its own Node process, two at a time,
// and ends with the line CI counts: "N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./dist/', import.meta.url));
const filter = process.argv[2];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.test.js') && (!filter || full.includes(filter))) files.push(full);
  }
}
if (existsSync(root)) walk(root); // no test/dist (the build never ran): counted below as a failure

/** How long one suite file may run before it is killed (and counted as failed). */
const LIMIT_MS = 5 * 60 * 1000;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      let clean = out.replace(/\x1b\[[0-9;]*m/g, '');
      const reported = /Total:\s+\d+/.test(clean);
      const total = Number(/Total:\s+(\d+)/.exec(clean)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(clean)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(clean)?.[1] ?? 0);
      // uvu counts skipped tests apart: its Total holds only the tests that ran.
      let failed = total - passed;
      if (code !== 0 && failed === 0) failed = 1; // crashed before or after its tests
      // A suite that ended without uvu's report (a test that called process.exit(0), a runner
      // killed) checked nothing we can count: a failure, never a pass.
      if (!reported && failed === 0) failed = 1;
      if (timedOut) clean += `\n(killed after ${LIMIT_MS / 1000} s)`;
      totals.passed += passed;
      totals.failed += failed;
      totals.skipped += skipped;
      const name = relative(root, file);
      console.log(
        `${failed > 0 ? 'FAIL' : 'ok  '} ${name}  (${passed} passed${skipped ? `, ${skipped} skipped` : ''}${failed ? `, ${failed} failed` : ''})`,
      );
      if (failed > 0) failures.push(`--- ${name}\n${clean}`);
      else if (/SKIP:/.test(clean)) for (const line of clean.split('\n')) if (line.includes('SKIP:')) console.log(`     ${line.trim()}`);
      resolve();
    });
  });
}

const queue = [...files];
await Promise.all(
  Array.from({ length: 2 }, async () => {
    while (queue.length > 0) await run(queue.shift());
  }),
);
if (files.length === 0) {
  console.log(`no compiled suite found under ${root}${filter ? ` matching ${filter}` : ''} (did tsc -b run?)`);
  totals.failed += 1;
}
for (const f of failures) console.log(f);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exitCode = totals.failed > 0 ? 1 : 0;
