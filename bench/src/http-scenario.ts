import type { Pool } from 'undici';
import { endSession, httpBatch, httpPool, httpSeparate, type RunOutcome, WsClient } from './http-clients.js';
import { type ExagoCall, exagoMix } from './exago-mix.js';
import { median, plan, timePerSub } from './measure.js';
import type { Row, ScenarioResult } from './report.js';
import { startServerProcess } from './server-process.js';

const SIZES = [1, 10, 100, 1000, 10_000];

/** Figures of one size over one server. */
export interface LoopbackFigures {
  n: number;
  batchUs: number;
  separateUs: number;
  wsUs: number;
  ok: { batch: number; separate: number; ws: number; total: { batch: number; separate: number; ws: number } };
  serverPeakRssMb: number | undefined;
  serverBaselineRssMb: number | undefined;
}

/** Times `run` over the mix of `n`, counting successes and ending each session outside the timing. */
export async function timeRuns(
  n: number,
  blockSize: number,
  budget: number,
  minReps: number,
  pool: Pool,
  run: (calls: readonly ExagoCall[]) => Promise<RunOutcome>,
): Promise<{ us: number; ok: number; total: number }> {
  const calls = exagoMix(n);
  // Small batches are bounded by request count, so that N=1 does not send tens of thousands.
  const { perBlock, reps, warmups } = plan(n, blockSize, Math.min(budget, 3000 * n), minReps);
  const sessions: Array<string | undefined> = [];
  let ok = 0;
  let total = 0;
  const timing = await timePerSub(
    perBlock * n,
    Math.min(warmups, 3),
    reps,
    async () => {
      for (let b = 0; b < perBlock; b++) {
        const outcome = await run(calls);
        ok += outcome.ok;
        total += n;
        sessions.push(outcome.sessionId);
      }
    },
    async () => {
      for (const sid of sessions) await endSession(pool, sid);
      sessions.length = 0;
    },
  );
  // Client CPU time says little here (the server is another process): wall time only.
  return { us: timing.wall, ok, total };
}

/** What {@link timeAlternating} measured of one of its two runs. */
export interface AlternatingFigures {
  /** Median µs per sub-request of the timed blocks. */
  us: number;
  /** Successes and sub-requests sent, warm-up blocks included. */
  ok: number;
  total: number;
  /** What `cpuMs` counted over this run's blocks and their session ends, warm-ups included. */
  cpuMs: number;
}

/**
 * Times two runs over the mix of `n` in alternating blocks of about `blockSize` sub-requests (a b,
 * then b a, ...), each block timed alone and its sessions ended after it, outside the timing.
 * `warmups` untimed rounds first, then `rounds` timed ones; `cpuMs` (a server's CPU time) is read
 * around every block. `ratio` is the median over the rounds of a's block over b's: the two blocks of
 * a round run a few hundred ms apart, so a burst of load on a shared machine moves the ratio of the
 * rounds it lands on, not the median, where whole runs measured one after the other moved it.
 */
export async function timeAlternating(
  n: number,
  blockSize: number,
  warmups: number,
  rounds: number,
  pool: Pool,
  runs: readonly [(calls: readonly ExagoCall[]) => Promise<RunOutcome>, (calls: readonly ExagoCall[]) => Promise<RunOutcome>],
  cpuMs: () => number = () => 0,
): Promise<{ figures: [AlternatingFigures, AlternatingFigures]; ratio: number }> {
  const calls = exagoMix(n);
  const perBlock = Math.max(1, Math.ceil(blockSize / n));
  const times: [number[], number[]] = [[], []];
  const figures: [AlternatingFigures, AlternatingFigures] = [
    { us: Number.NaN, ok: 0, total: 0, cpuMs: 0 },
    { us: Number.NaN, ok: 0, total: 0, cpuMs: 0 },
  ];
  const block = async (k: 0 | 1, timed: boolean) => {
    const figure = figures[k];
    const sessions: Array<string | undefined> = [];
    const cpuBefore = cpuMs();
    const start = performance.now();
    for (let b = 0; b < perBlock; b++) {
      const outcome = await runs[k](calls);
      figure.ok += outcome.ok;
      figure.total += n;
      sessions.push(outcome.sessionId);
    }
    if (timed) times[k].push(((performance.now() - start) * 1000) / (perBlock * n));
    for (const sid of sessions) await endSession(pool, sid);
    figure.cpuMs += cpuMs() - cpuBefore;
  };
  for (let round = 0; round < warmups + rounds; round++) {
    for (const k of round % 2 === 0 ? ([0, 1] as const) : ([1, 0] as const)) await block(k, round >= warmups);
  }
  const ratios = times[0].map((a, round) => a / (times[1][round] as number));
  figures[0].us = median(times[0]);
  figures[1].us = median(times[1]);
  return { figures, ratio: median(ratios) };
}

/**
 * Measures one size against a fresh example server process: its peak memory over one batch of
 * `n` first, then the HTTP batch, the same calls as separate keep-alive requests, and WebSocket.
 */
export async function measureLoopback(
  n: number,
  env: Record<string, string> = {},
  only: 'batch' | 'all' = 'all',
): Promise<LoopbackFigures> {
  const server = await startServerProcess(env);
  const pool = httpPool(server.url);
  const ws = await WsClient.open(server.url);
  try {
    const small = exagoMix(Math.min(n, 100));
    for (let i = 0; i < 30; i++) await endSession(pool, (await httpBatch(pool, small)).sessionId);
    const baseline = server.peakRssMb();
    await endSession(pool, (await httpBatch(pool, exagoMix(n))).sessionId);
    const peak = server.peakRssMb();
    const batch = await timeRuns(n, 500, 40_000, 5, pool, (calls) => httpBatch(pool, calls));
    const skipped = { us: Number.NaN, ok: 0, total: 0 };
    const separate = only === 'all' ? await timeRuns(n, 100, 3000, 3, pool, (calls) => httpSeparate(pool, calls)) : skipped;
    const viaWs = only === 'all' ? await timeRuns(n, 500, 40_000, 5, pool, (calls) => ws.batch(calls)) : skipped;
    return {
      n,
      batchUs: batch.us,
      separateUs: separate.us,
      wsUs: viaWs.us,
      ok: {
        batch: batch.ok,
        separate: separate.ok,
        ws: viaWs.ok,
        total: { batch: batch.total, separate: separate.total, ws: viaWs.total },
      },
      serverPeakRssMb: peak,
      serverBaselineRssMb: baseline,
    };
  } finally {
    ws.close();
    await pool.close();
    await server.stop();
  }
}

/** The figures of the last run, for the scenarios that compare against the in-memory HTTP batch. */
export const loopbackFigures = new Map<number, LoopbackFigures>();

/**
 * Scenario 2 (issue 3): one HTTP batch of N against N separate keep-alive requests to the same
 * example server's ordinary routes, and the WebSocket transport, for each N; a fresh server each.
 */
export async function httpScenario(): Promise<ScenarioResult> {
  const rows: Row[] = [];
  for (const n of SIZES) {
    const f = await measureLoopback(n);
    loopbackFigures.set(n, f);
    rows.push({
      N: n,
      'HTTP batch µs/sub': f.batchUs,
      'separate µs/sub': f.separateUs,
      'batch speed-up': f.separateUs / f.batchUs,
      'WS µs/sub': f.wsUs,
      'ok batch': `${f.ok.batch}/${f.ok.total.batch}`,
      'ok separate': `${f.ok.separate}/${f.ok.total.separate}`,
      'ok WS': `${f.ok.ws}/${f.ok.total.ws}`,
      'server peak RSS MB': f.serverPeakRssMb,
    });
  }
  const at1000 = loopbackFigures.get(1000);
  const at10000 = loopbackFigures.get(10_000);
  const speedUp = at1000 === undefined ? Number.NaN : at1000.separateUs / at1000.batchUs;
  const allOk = [...loopbackFigures.values()].every(
    (f) => f.ok.batch >= 0.9 * f.ok.total.batch && f.ok.separate >= 0.9 * f.ok.total.separate && f.ok.ws >= 0.9 * f.ok.total.ws,
  );
  return {
    name: 'Scenario 2 — over loopback against examples/server: HTTP batch vs separate requests vs WebSocket (issue 3)',
    rows,
    targets: [
      {
        name: 'HTTP batch, N=1000',
        goal: '≤ 5 µs/sub-request',
        actual: `${at1000?.batchUs.toFixed(2)} µs`,
        pass: at1000 !== undefined && at1000.batchUs <= 5,
      },
      { name: 'batch vs separate requests, N=1000', goal: '≥ 30× faster', actual: `${speedUp.toFixed(1)}×`, pass: speedUp >= 30 },
      {
        name: 'server peak memory, one batch of 10000',
        goal: '< 200 MB',
        actual: `${at10000?.serverPeakRssMb?.toFixed(0)} MB RSS`,
        pass: at10000?.serverPeakRssMb === undefined ? undefined : at10000.serverPeakRssMb < 200,
      },
      { name: 'sub-requests succeeded', goal: '≥ 90% 2xx', actual: allOk ? 'yes' : 'no', pass: allOk },
    ],
    notes: [
      'Client and server share the 2 cores; µs/sub is client wall time per sub-request (median of repetitions, after warm-up), client serialization included.',
      'separate = POST /rest/Sessions, then each call as its own keep-alive request (undici Pool, 1 connection, one at a time) to /rest/<Url>?sid=.',
      'WS = one message per batch on one connection; every sub-result is streamed (grouped: one `results` message per turn), then the final answer.',
      'server peak RSS = VmHWM of a fresh `node examples/server/dist/main.js` after warm-up and one batch of N.',
    ],
  };
}
