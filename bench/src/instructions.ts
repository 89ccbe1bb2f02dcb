// `node bench/dist/instructions.js [direct|floor|client ...] [--runs=3] [--functions=25]`: counts the
// machine instructions one sub-request of the N=1000 Exago mix costs, under valgrind (callgrind).
// Unlike time, an instruction count does not move with the load of the machine, so two builds can be
// compared to a fraction of a percent on a busy two-core VM; it does not see cache misses or the
// garbage collector's memory traffic, so it complements the timed scenarios and never replaces them.
// Each run counts a worker at LOW and at HIGH batches and divides the difference by the sub-requests
// between them (start-up, compilation and warm-up cancel out). V8 sometimes inlines differently from
// one run to the next (a few percent either way): the median of the runs is what to compare.
// With --functions, the top functions by instructions per sub-request (JavaScript named through
// node's --perf-basic-prof map), from the last run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './measure.js';

/** Sub-requests per batch. */
const INSTRUCTIONS_N = 1000;
const LOW = 120;
const HIGH = 320;
const MODES = ['direct', 'floor', 'client'] as const;
type Mode = (typeof MODES)[number];

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const given = args.find((a) => a.startsWith(`--${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 3));
};
const runs = option('runs', 3);
const functions = args.some((a) => a.startsWith('--functions')) ? option('functions', 25) : 0;
const asked = args.filter((a) => !a.startsWith('--'));
const unknown = asked.filter((a) => !(MODES as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown mode ${unknown.join(', ')}; choose from ${MODES.join(', ')}`);
  process.exit(2);
}
if (spawnSync('valgrind', ['--version']).error !== undefined) {
  console.error('valgrind is not installed (Debian: apt-get install -y valgrind)');
  process.exit(2);
}
const modes: readonly Mode[] = asked.length === 0 ? MODES : (asked as Mode[]);
const worker = fileURLToPath(new URL('./instructions-worker.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'restbatch-instructions-'));

/** One worker under callgrind: its output file and the node process's pid (which names its perf map). */
function count(mode: Mode, batches: number, named: boolean): Promise<{ file: string; pid: number }> {
  const prefix = join(dir, `${mode}-${batches}-`);
  const node = ['--single-threaded', ...(named ? ['--perf-basic-prof'] : []), worker, mode, String(batches), String(INSTRUCTIONS_N)];
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${prefix}%p`, process.execPath, ...node], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // --perf-basic-prof also writes an isolate log into the working directory: the scratch one.
      cwd: dir,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${mode} ${batches}: valgrind exited ${code}\n${stderr.slice(-2000)}`));
      else resolve({ file: `${prefix}${child.pid}`, pid: child.pid as number });
    });
  });
}

/** The total instructions a callgrind output file counted. */
function total(file: string): number {
  const line = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
  if (line === null) throw new Error(`no totals in ${file}`);
  return Number(line[1]);
}

/** Instructions by function (JavaScript named from the perf map, its line dropped so that builds compare). */
function byFunction(file: string, pid: number): Map<string, number> {
  const code = readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return { start: Number.parseInt(start as string, 16), size: Number.parseInt(size as string, 16), name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  const nameAt = (address: number): string => {
    let lo = 0;
    let hi = code.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((code[mid] as { start: number }).start <= address) lo = mid;
      else hi = mid - 1;
    }
    // Code moves and is freed: the nearest earlier entries are checked for one that holds the address.
    for (let i = lo; i >= Math.max(0, lo - 50); i--) {
      const entry = code[i] as { start: number; size: number; name: string };
      if (entry.start <= address && address < entry.start + entry.size)
        return entry.name.replace(/file:\/\/\/.*?\/(packages|bench)\//, '$1/').replace(/:\d+:\d+$/, '');
    }
    return '(JIT code, unnamed)';
  };
  const out = spawnSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }).stdout;
  const found = new Map<string, number>();
  for (const line of out.split('\n')) {
    const match = /^\s*([\d,]+) \([^)]*\)\s+\S*?:(.*?)(?: \[.*\])?$/.exec(line);
    if (match === null || line.includes('PROGRAM TOTALS')) continue;
    const raw = match[2] as string;
    const name = raw.startsWith('0x') ? nameAt(Number.parseInt(raw.split("'")[0] as string, 16)) : raw;
    found.set(name, (found.get(name) ?? 0) + Number((match[1] as string).replaceAll(',', '')));
  }
  return found;
}

const subs = (HIGH - LOW) * INSTRUCTIONS_N;
const perSub: Record<string, number> = {};
console.log(`instructions per sub-request, N=${INSTRUCTIONS_N} Exago mix, (${HIGH} − ${LOW} batches), ${runs} run(s) per mode`);
for (const mode of modes) {
  const counts: number[] = [];
  let last: Map<string, number> | undefined;
  for (let run = 0; run < runs; run++) {
    const named = functions > 0 && run === runs - 1;
    // The two counts run side by side (one per core): instructions do not depend on the load.
    const [low, high] = await Promise.all([count(mode, LOW, named), count(mode, HIGH, named)]);
    counts.push((total(high.file) - total(low.file)) / subs);
    if (named) {
      const a = byFunction(low.file, low.pid);
      const b = byFunction(high.file, high.pid);
      last = new Map([...new Set([...a.keys(), ...b.keys()])].map((k) => [k, ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / subs]));
      rmSync(`/tmp/perf-${low.pid}.map`, { force: true });
      rmSync(`/tmp/perf-${high.pid}.map`, { force: true });
    }
  }
  perSub[mode] = median(counts);
  console.log(`${mode.padEnd(7)} ${Math.round(median(counts))}  (runs: ${counts.map((c) => Math.round(c)).join(', ')})`);
  if (last !== undefined) {
    const top = [...last].sort((x, y) => y[1] - x[1]).slice(0, functions);
    for (const [name, n] of top) console.log(`  ${Math.round(n).toString().padStart(6)}  ${name.slice(0, 110)}`);
  }
}
if (perSub.direct !== undefined && perSub.floor !== undefined)
  console.log(`direct ÷ floor: ${(perSub.direct / perSub.floor).toFixed(2)}× in instructions (the timed ratio also counts memory)`);
if (perSub.client !== undefined && perSub.direct !== undefined)
  console.log(`client ÷ direct: ${(perSub.client / perSub.direct).toFixed(2)}× in instructions`);
rmSync(dir, { recursive: true, force: true });
