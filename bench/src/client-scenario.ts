import { createClient, httpTransport } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createDirectCaller } from '@restbatch/direct';
import type { paths } from '@restbatch/example-client';
import { createExampleEngine, startExampleServer } from '@restbatch/example-server';
import { median } from './measure.js';
import type { Row, ScenarioResult } from './report.js';

const N = 1000;
const REPS = 15;
const WARMUP = 5;
const ENDPOINTS = { '/rest/batch': 'exago' } as const;

/** The hand-built envelope of the same calls: `POST Sessions` then N-1 role reads. */
function envelope(): unknown[] {
  return [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: N - 1 }, () => ({ Url: 'Roles/MyRole', Method: 'GET' }))];
}

async function timeIt(run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    await run();
    times.push(((performance.now() - start) * 1000) / N);
  }
  return median(times);
}

/** The same N calls through the client (one tick), as `Promise.all` of typed calls. */
function clientCalls(c: ReturnType<typeof createClient<paths>>): Promise<unknown> {
  const calls: Promise<unknown>[] = [c.POST('/rest/Sessions')];
  for (let i = 1; i < N; i++) calls.push(c.GET('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } } }));
  return Promise.all(calls);
}

/**
 * Issue 14: the client's per-call overhead against a hand-built batch, in-process over the direct
 * transport and over HTTP (N calls in one tick must travel as exactly one HTTP request).
 */
export async function clientScenario(): Promise<ScenarioResult> {
  const engine = createExampleEngine();
  const direct = createDirectCaller(engine);
  const viaClient = createClient<paths>({ transport: directTransport(engine), endpoints: ENDPOINTS });
  const handDirect = await timeIt(async () => void (await direct({ url: '/rest/batch', body: envelope() })));
  const clientDirect = await timeIt(async () => void (await clientCalls(viaClient)));
  await engine.close();

  const server = await startExampleServer({ port: 0 });
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  let handHttp: number;
  let clientHttp: number;
  let perTick: number;
  try {
    handHttp = await timeIt(async () => {
      const res = await fetch(`${server.url}/rest/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(envelope()),
      });
      await res.json();
    });
    const c = createClient<paths>({ transport: httpTransport({ baseUrl: server.url, fetch: counting }), endpoints: ENDPOINTS });
    clientHttp = await timeIt(async () => void (await clientCalls(c)));
    requests = 0;
    await clientCalls(c);
    perTick = requests;
  } finally {
    await server.close();
  }
  const rows: Row[] = [
    { transport: 'direct', N, 'hand-built µs/call': handDirect, 'client µs/call': clientDirect, ratio: clientDirect / handDirect },
    { transport: 'http', N, 'hand-built µs/call': handHttp, 'client µs/call': clientHttp, ratio: clientHttp / handHttp },
  ];
  return {
    name: 'client — @restbatch/client against hand-built batches (issue 14)',
    rows,
    targets: [
      {
        name: 'direct, N=1000',
        goal: '≤ 1.3× hand-built',
        actual: `${(clientDirect / handDirect).toFixed(2)}×`,
        pass: clientDirect / handDirect <= 1.3,
      },
      {
        name: 'http, N=1000',
        goal: '≤ 1.3× hand-built',
        actual: `${(clientHttp / handHttp).toFixed(2)}×`,
        pass: clientHttp / handHttp <= 1.3,
      },
      { name: 'N calls in one tick', goal: '1 HTTP request', actual: `${perTick} request(s)`, pass: perTick === 1 },
    ],
    notes: [
      `µs/call = median over ${REPS} repetitions (after ${WARMUP} warm-up runs) of wall time / N, in this process.`,
      'The client asks for NDJSON and settles each call as its line arrives; the hand-built HTTP batch reads one JSON answer.',
    ],
  };
}
