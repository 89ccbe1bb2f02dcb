// `node bench/dist/instructions.js [direct|floor|client|least ...] [--runs=3] [--functions=25] [--n=1000]`: counts
// the machine instructions one sub-request of the Exago mix of N calls (default 1000) costs, under
// valgrind (callgrind).
// Unlike time, an instruction count does not move with the load of the machine, so two builds can be
// compared to a fraction of a percent on a busy two-core VM; it does not see cache misses or the
// garbage collector's memory traffic, so it complements the timed scenarios and never replaces them.
// Each run counts a worker at LOW and at HIGH batches (side by side, one per core) and divides the
// difference by the sub-requests between them (start-up, compilation and warm-up cancel out). V8
// sometimes inlines differently from one run to the next (a few percent either way): the median of
// the runs is what to compare. With --functions, one more run, not counted (node's --perf-basic-prof
// changes what the VM does), lists the top functions by instructions per sub-request.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './measure.js';

/** Sub-requests counted between the LOW and the HIGH worker, whatever N: batches scale with 1/N. */
const LOW_SUBS = 120_000;
const HIGH_SUBS = 320_000;
const MODES = ['direct', 'floor', 'client', 'least'] as const;
type Mode = (typeof MODES)[number];
/** How far back from the nearest start the perf map is searched for code that holds an address. */
const MAP_LOOKBACK = 50;

/** Stops with a message and exit code 2 (a usage or set-up error). */
function usage(message: string): never {
  console.error(message);
  process.exit(2);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}

function parse() {
  try {
    return parseArgs({
      options: { runs: { type: 'string' }, functions: { type: 'string' }, n: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    usage(`${(error as Error).message}\nusage: instructions.js [direct|floor|client|least ...] [--runs=3] [--functions=25] [--n=1000]`);
  }
}
const parsed = parse();
const runs = positive('runs', parsed.values.runs, 3);
/** Sub-requests per batch (`--n`: 100 and 10000 show what grows with N). */
const N = positive('n', parsed.values.n, 1000);
// At least one whole cycle of the mix (POST Sessions and 8 calls) and at most the engine's batch limit;
// below 100 a run's thousands of batches under valgrind take many minutes.
if (N < 100 || N > 10_000) usage(`--n must be from 100 to 10000, not ${N}`);
const LOW = Math.round(LOW_SUBS / N);
const HIGH = Math.round(HIGH_SUBS / N);
// 0: no list of functions.
const functions = parsed.values.functions === undefined ? 0 : positive('functions', parsed.values.functions, 25);
const unknown = parsed.positionals.filter((a) => !(MODES as readonly string[]).includes(a));
if (unknown.length > 0) usage(`unknown mode ${unknown.join(', ')}; choose from ${MODES.join(', ')}`);
for (const tool of functions > 0 ? ['valgrind', 'callgrind_annotate'] : ['valgrind']) {
  if (spawnSync(tool, ['--version']).error !== undefined) usage(`${tool} is not installed (Debian: apt-get install -y valgrind)`);
}
const modes: readonly Mode[] = parsed.positionals.length === 0 ? MODES : (parsed.positionals as Mode[]);
const worker = fileURLToPath(new URL('./instructions-worker.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'restbatch-instructions-'));
const running = new Set<ChildProcess>();
const maps = new Set<string>();

/** Ends what is still running and removes what the runs wrote. */
function cleanUp(): void {
  for (const child of running) child.kill('SIGKILL');
  for (const map of maps) rmSync(map, { force: true });
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

/** One worker under callgrind: its output file and the node process's pid (valgrind runs it in its own process, which names its perf map). */
function count(mode: Mode, batches: number, named: boolean): Promise<{ file: string; pid: number }> {
  const prefix = join(dir, `${mode}-${batches}-`);
  const node = ['--single-threaded', ...(named ? ['--perf-basic-prof'] : []), worker, mode, String(batches), String(N)];
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${prefix}%p`, process.execPath, ...node], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // --perf-basic-prof also writes an isolate log into the working directory: the scratch one.
      cwd: dir,
    });
    running.add(child);
    if (named) maps.add(`/tmp/perf-${child.pid}.map`);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      if (code !== 0)
        reject(new Error(`${mode} at ${batches} batches: valgrind ended (${signal ?? `exit ${code}`})\n${stderr.slice(-2000)}`));
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

interface CodeEntry {
  start: number;
  size: number;
  name: string;
}

/**
 * Instructions by function. JavaScript is named from the perf map (`JS:*` optimised, `JS:^` baseline,
 * `JS:~` interpreted), without its line and column so that two builds compare: the anonymous
 * functions of one file share a row. Callgrind's recursion suffix (`'2`) is dropped too.
 */
function byFunction(file: string, pid: number): Map<string, number> {
  const code: CodeEntry[] = readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return { start: Number.parseInt(start as string, 16), size: Number.parseInt(size as string, 16), name: name.join(' ') };
    })
    .sort((a, b) => a.start - b.start);
  const nameAt = (address: number): string => {
    if (code.length === 0) return '(JIT code, unnamed)';
    let lo = 0;
    let hi = code.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((code[mid] as CodeEntry).start <= address) lo = mid;
      else hi = mid - 1;
    }
    // Code moves and is freed: the nearest earlier entries are checked for one that holds the address.
    for (let i = lo; i >= Math.max(0, lo - MAP_LOOKBACK); i--) {
      const entry = code[i] as CodeEntry;
      if (entry.start <= address && address < entry.start + entry.size)
        return entry.name.replace(/file:\/\/\/.*?\/(packages|bench)\//, '$1/').replace(/:\d+:\d+$/, '');
    }
    return '(JIT code, unnamed)';
  };
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', '--auto=no', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  if (annotated.error !== undefined || annotated.status !== 0)
    throw new Error(`callgrind_annotate failed: ${annotated.error?.message ?? annotated.stderr.slice(-2000)}`);
  const found = new Map<string, number>();
  for (const line of annotated.stdout.split('\n')) {
    const match = /^\s*([\d,]+) \([^)]*\)\s+\S*?:(.*?)(?: \[.*\])?$/.exec(line);
    if (match === null || line.includes('PROGRAM TOTALS')) continue;
    const raw = (match[2] as string).replace(/'\d+$/, '');
    const name = raw.startsWith('0x') ? nameAt(Number.parseInt(raw, 16)) : raw;
    found.set(name, (found.get(name) ?? 0) + Number((match[1] as string).replaceAll(',', '')));
  }
  return found;
}

const subs = (HIGH - LOW) * N;
const perSub: Partial<Record<Mode, number>> = {};
try {
  console.log(`instructions per sub-request, N=${N} Exago mix, (${HIGH} − ${LOW} batches: ${subs} sub-requests), ${runs} run(s) per mode`);
  for (const mode of modes) {
    const counts: number[] = [];
    for (let run = 0; run < runs; run++) {
      const [low, high] = await Promise.all([count(mode, LOW, false), count(mode, HIGH, false)]);
      counts.push((total(high.file) - total(low.file)) / subs);
      rmSync(low.file);
      rmSync(high.file);
    }
    perSub[mode] = median(counts);
    console.log(`${mode.padEnd(7)} ${Math.round(median(counts))}  (runs: ${counts.map((c) => Math.round(c)).join(', ')})`);
    if (functions > 0) {
      const [low, high] = await Promise.all([count(mode, LOW, true), count(mode, HIGH, true)]);
      const a = byFunction(low.file, low.pid);
      const b = byFunction(high.file, high.pid);
      const names = [...new Set([...a.keys(), ...b.keys()])];
      const top = names
        .map((name): [string, number] => [name, ((b.get(name) ?? 0) - (a.get(name) ?? 0)) / subs])
        .sort((x, y) => y[1] - x[1])
        .slice(0, functions);
      console.log(
        `  top functions (one more run, with --perf-basic-prof; ${Math.round((total(high.file) - total(low.file)) / subs)} in all):`,
      );
      for (const [name, n] of top) console.log(`  ${Math.round(n).toString().padStart(6)}  ${name.slice(0, 110)}`);
    }
  }
  if (perSub.direct !== undefined && perSub.floor !== undefined)
    console.log(`direct ÷ floor: ${(perSub.direct / perSub.floor).toFixed(2)}× in instructions (the timed ratio also counts memory)`);
  if (perSub.client !== undefined && perSub.direct !== undefined)
    console.log(`client ÷ direct: ${(perSub.client / perSub.direct).toFixed(2)}× in instructions`);
  if (perSub.least !== undefined && perSub.direct !== undefined)
    console.log(`least client ÷ direct: ${(perSub.least / perSub.direct).toFixed(2)}× in instructions`);
} finally {
  cleanUp();
}
