import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The median of some numbers (they are sorted in place). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/** Peak resident memory (VmHWM) of a process in MB, read from /proc; undefined where there is no /proc. */
export function peakRssMb(pid: number | 'self' = 'self'): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Current resident memory of this process in MB. */
export function rssMb(): number {
  return process.memoryUsage.rss() / (1024 * 1024);
}

/**
 * Runs `script` in a fresh `node --expose-gc` process and returns the JSON value it prints last:
 * each measurement gets its own heap, JIT state and peak memory.
 */
export function runWorker<T>(script: URL, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script.pathname} ${args.join(' ')} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script.pathname} printed no result: ${out.slice(-500)}`));
      }
    });
  });
}

/** Runs the garbage collector when the process was started with --expose-gc. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Median microseconds per sub-request: wall-clock, and CPU time of this process (user + system). */
export interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Times `block()` (which does `count` sub-requests) after `warmups` untimed runs, `reps` times;
 * returns the medians per sub-request. `after` runs untimed after each block. CPU time barely
 * moves when other processes take the cores, so it shows what wall time hides on a busy machine.
 */
export async function timePerSub(
  count: number,
  warmups: number,
  reps: number,
  block: () => Promise<void>,
  after: () => Promise<void> = async () => {},
): Promise<Timing> {
  for (let i = 0; i < warmups; i++) {
    await block();
    await after();
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await block();
    wall.push(((performance.now() - start) * 1000) / count);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / count);
    await after();
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Repetitions for about `budget` sub-requests in total, in blocks of about `blockSize`. */
export function plan(n: number, blockSize: number, budget: number, minReps: number): { perBlock: number; reps: number; warmups: number } {
  const perBlock = Math.max(1, Math.ceil(blockSize / n));
  const reps = Math.max(minReps, Math.round(budget / (perBlock * n)));
  return { perBlock, reps, warmups: Math.max(2, Math.ceil(reps / 3)) };
}
