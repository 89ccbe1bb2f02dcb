import { readFileSync } from 'node:fs';
import { exagoMix } from './exago-mix.js';
import { endSession, httpBatch, httpPool } from './http-clients.js';
import { median, runWorker } from './measure.js';
import type { ObserveFigures } from './observe-worker.js';
import type { Row, ScenarioResult, Target } from './report.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const WORKER = new URL('./observe-worker.js', import.meta.url);
const SERVER = new URL('./observe-server.js', import.meta.url);
const SIZES = [10, 1000];
const ROUNDS = 3;
const HTTP_N = 1000;
const HTTP_WARMUP = 30;
const HTTP_RUNS = 3;
const HTTP_ROUNDS = 5;
const HTTP_BATCHES = 20;
const NO_SDK_LIMIT = 0.03;
const SDK_LIMIT = 0.3;

/** CPU time (user + system) the process has used so far, in ms (10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/**
 * Issue 16: what observing costs. Direct: the engine with nothing observing (`telemetry: false`),
 * with OpenTelemetry's API and no SDK, and with the SDK on (in memory), in turns in one process,
 * next to the SDK floor (the same spans and measurements made in a bare loop). HTTP: example
 * servers side by side (off, no SDK, SDK), their own CPU per sub-request read from /proc.
 */
export async function observeScenario(): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const info: string[] = [];
  for (const n of SIZES) {
    const runs: ObserveFigures[] = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await runWorker<ObserveFigures>(WORKER, [String(n)]));
    // Ratios are taken within each process (its variants ran in turns), then the median over processes.
    const of = (name: string) => median(runs.map((f) => f.cpu[name] as number));
    // The baseline is the mean of the two unobserved engines; their own ratio shows the noise.
    const ratio = (pick: (cpu: Record<string, number>) => number) =>
      median(runs.map((f) => (2 * pick(f.cpu)) / ((f.cpu.off as number) + (f.cpu.offAgain as number))));
    const noise = median(runs.map((f) => (f.cpu.offAgain as number) / (f.cpu.off as number)));
    const noSdk = ratio((c) => c.noSdk as number);
    const on = ratio((c) => c.sdk as number);
    const contextAlone = ratio((c) => c.offWithContext as number);
    // What the SDK costs whatever the engine does: the unobserved engine under its context manager
    // (every promise pays its hooks) plus the floor loop (the spans, contexts and measurements the engine must make).
    const floor = ratio((c) => (c.offWithContext as number) + (c.floor as number));
    const beyond = median(
      runs.map(
        (f) =>
          (2 * ((f.cpu.sdk as number) - (f.cpu.offWithContext as number) - (f.cpu.floor as number))) /
          ((f.cpu.off as number) + (f.cpu.offAgain as number)),
      ),
    );
    const sampled = ratio((c) => c.sampled as number);
    // The engine's observing code alone: observed through a stub SDK, over the unobserved engine under the same context manager.
    const stubbed = median(
      runs.map(
        (f) => (2 * ((f.cpu.stubbed as number) - (f.cpu.offWithContext as number))) / ((f.cpu.off as number) + (f.cpu.offAgain as number)),
      ),
    );
    const ok = runs.every((f) => f.ok >= 0.9 * f.total);
    const dropped = runs.some((f) => f.spansExported !== f.spansExpected);
    rows.push({
      transport: 'direct',
      N: n,
      'off µs/sub': of('off'),
      'no SDK µs/sub': of('noSdk'),
      'SDK µs/sub': of('sdk'),
      'noise (off vs off)': pct(noise),
      'no SDK cost': pct(noSdk),
      'SDK cost': pct(on),
      'ctx manager alone': pct(contextAlone),
      'SDK floor cost': pct(floor),
      'ours beyond floor': pct(1 + beyond),
      'ours, SDK stubbed': pct(1 + stubbed),
      'SDK 10% sampled cost': pct(sampled),
      ok: ok ? 'yes' : 'no',
      'spans kept': dropped ? 'DROPPED' : 'all',
    });
    info.push(
      `direct, N=${n} (informational, not a target): SDK on ${pct(on)} = the SDK floor ${pct(floor)} + the engine's own share beyond it ${pct(1 + beyond)} (the engine's observing code alone, through a stub SDK: ${pct(1 + stubbed)}); with a ParentBased(TraceIdRatio 0.1) sampler ${pct(sampled)}.`,
    );
    if (n !== 1000) continue;
    targets.push({
      name: `no SDK, direct, N=${n}`,
      goal: `≤ ${NO_SDK_LIMIT * 100}%`,
      actual: pct(noSdk),
      pass: ok && noSdk <= 1 + NO_SDK_LIMIT,
    });
    targets.push({
      name: `SDK on (in memory), direct, N=${n}`,
      goal: `≤ ${SDK_LIMIT * 100}%`,
      actual: `${pct(on)} (the SDK floor alone: ${pct(floor)})`,
      pass: ok && !dropped && on <= 1 + SDK_LIMIT,
    });
  }
  const http = await httpPart();
  rows.push(http.row);
  targets.push(...http.targets);
  info.push(http.info);
  const notes = [
    ...info,
    "direct: each N runs in 3 fresh `node --expose-gc` processes; in each, the eight variants (two unobserved engines: their difference is the noise) run in turns, in an order that turns each round, and costs are ratios within the process (median over the processes); µs/sub are medians of CPU µs per sub-request. HTTP: six example servers side by side (off twice, no SDK, SDK, off with the SDK's context manager, SDK sampling 10%), three fresh sets, in an order that turns each round, each server's own CPU per sub-request read from /proc over all timed batches.",
    '"off" is `telemetry: false`; "no SDK" the default engine with no SDK registered; "SDK" the SDK with spans counted in memory: BatchSpanProcessor, AsyncLocalStorage context manager, W3C propagator, a pull metric reader (over HTTP, the example server\'s own wiring).',
    'SDK floor = what the SDK costs whatever the engine does: what its context manager costs the unobserved engine ("ctx manager alone": once a context has been entered, Node 20 runs AsyncLocalStorage\'s hooks for every promise), plus what the engine must do with the SDK, in a bare loop (observe-floor.ts, replaying the spans of a batch the engine ran): the incoming trace context read, the batch span, per item a child span with the same name and attributes, entered as the active context around a handler call, its status set and its end, one duration measurement with a reused attribute set; the batch size, the batch span\'s closing attributes and the outcome counts. "ours beyond floor" = SDK cost − SDK floor cost: the engine\'s own share.',
    '"ours, SDK stubbed": the engine observed through a tracer and meter that record nothing (observe-stubs.ts) minus the unobserved engine under the same context manager: its own observing code (watch, span bookkeeping, entering each item\'s context, store counts), none of the SDK\'s.',
    '"SDK 10% sampled": the SDK with a ParentBased(TraceIdRatioBased 0.1) sampler, the setting docs/observability.md recommends in production: unsampled batches make non-recording spans, metrics stay whole. Informational, not a target.',
    'spans kept: every span reached the exporter (the span queue is large enough; a dropped span would cost nothing and flatter the figure).',
  ];
  return {
    name: 'Observe — what observing costs (issue 16): nothing, the OpenTelemetry API without SDK, the SDK on',
    rows,
    targets,
    notes,
  };
}

async function httpPart(): Promise<{ row: Row; targets: Target[]; info: string }> {
  const calls = exagoMix(HTTP_N);
  // Two unobserved servers: the baseline is their mean, their difference the noise.
  const modes = ['off', 'nosdk', 'sdk', 'offctx', 'off', 'sampled'] as const;
  const cpu = modes.map(() => 0);
  let ok = 0;
  let batches = 0;
  let spansKept = true;
  for (let run = 0; run < HTTP_RUNS; run++) {
    const servers: ServerProcess[] = [];
    const spans: number[] = [];
    try {
      // Fresh servers each run, started in a rotating order: a process's own luck (heap, JIT) averages out.
      const order = modes.map((_, i) => (i + run) % modes.length);
      const started = new Map<number, ServerProcess>();
      for (const at of order) started.set(at, await startServerProcess({ OBSERVE_MODE: modes[at] as string }, SERVER));
      for (let at = 0; at < modes.length; at++) servers.push(started.get(at) as ServerProcess);
      servers[2]?.onLine((line) => {
        if (line.startsWith('spans ')) spans.push(Number(line.slice(6)));
      });
      const pools = servers.map((s) => httpPool(s.url));
      try {
        const send = async (at: number, count: number, timed: boolean) => {
          const pool = pools[at] as ReturnType<typeof httpPool>;
          for (let b = 0; b < count; b++) {
            const outcome = await httpBatch(pool, calls);
            await endSession(pool, outcome.sessionId);
            if (timed) ok += outcome.ok;
          }
        };
        for (let at = 0; at < modes.length; at++) await send(at, HTTP_WARMUP, false);
        for (let round = 0; round < HTTP_ROUNDS; round++) {
          for (let k = 0; k < modes.length; k++) {
            const at = (k + round) % modes.length;
            const pid = (servers[at] as ServerProcess).pid;
            const before = cpuMs(pid);
            await send(at, HTTP_BATCHES, true);
            cpu[at] = (cpu[at] as number) + cpuMs(pid) - before;
          }
          batches += HTTP_BATCHES;
        }
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
      await servers[2]?.stop();
      // Each batch is a batch span and N item spans; each session's DELETE is one more span.
      const perRun = (HTTP_WARMUP + HTTP_ROUNDS * HTTP_BATCHES) * (HTTP_N + 2);
      if (spans[0] !== perRun) spansKept = false;
    } finally {
      await Promise.all(servers.map((s) => s.kill()));
    }
  }
  const perSub = cpu.map((ms) => (ms * 1000) / (batches * HTTP_N));
  const [off1, noSdk, on, offCtx, off2, sampled] = perSub as [number, number, number, number, number, number];
  const off = (off1 + off2) / 2;
  const allOk = ok >= 0.9 * batches * HTTP_N * modes.length;
  return {
    info: `HTTP, N=${HTTP_N} (informational, not a target): SDK on ${pct(on / off)}, its context manager alone ${pct(offCtx / off)}; with a ParentBased(TraceIdRatio 0.1) sampler ${pct(sampled / off)}.`,
    row: {
      transport: 'http (server CPU)',
      N: HTTP_N,
      'off µs/sub': off,
      'no SDK µs/sub': noSdk,
      'SDK µs/sub': on,
      'noise (off vs off)': pct(off2 / off1),
      'no SDK cost': pct(noSdk / off),
      'SDK cost': pct(on / off),
      'ctx manager alone': pct(offCtx / off),
      'SDK 10% sampled cost': pct(sampled / off),
      ok: allOk ? 'yes' : 'no',
      'spans kept': spansKept ? 'all' : 'DROPPED',
    },
    targets: [
      {
        name: `no SDK, HTTP, N=${HTTP_N}`,
        goal: `≤ ${NO_SDK_LIMIT * 100}%`,
        actual: pct(noSdk / off),
        pass: allOk && noSdk / off <= 1 + NO_SDK_LIMIT,
      },
      {
        name: `SDK on (in memory), HTTP, N=${HTTP_N}`,
        goal: `≤ ${SDK_LIMIT * 100}%`,
        actual: `${pct(on / off)} (its context manager alone: ${pct(offCtx / off)})`,
        pass: allOk && spansKept && on / off <= 1 + SDK_LIMIT,
      },
    ],
  };
}
