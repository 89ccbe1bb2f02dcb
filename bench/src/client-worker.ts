// Child process of the client scenario: `node --expose-gc client-worker.js direct|http N hand,CALLER [URL]`.
// Times `hand` and one other caller of the same N calls, interleaved in this one process so that
// other work on the machine weighs on both alike: `hand` sends the prepared envelope and reads the
// whole answer; `stream` sends it and takes each result as it comes (onResult, NDJSON lines), as
// the client must; `client` makes the calls through @restbatch/client in one tick; on the direct
// transport, `least` is the least any batching client does (see leastClient). Prints one JSON line.
// One caller besides the hand-built one per process, as an app uses one: with all of them in one
// process, the compiled engine code they share made some processes slow for one caller or another.
import { type Client, createClient, httpTransport } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createDirectCaller } from '@restbatch/direct';
import type { paths } from '@restbatch/example-client';
import { benchEngine } from './bench-engine.js';
import { callInOneTick, typedCalls } from './client-calls.js';
import { countSuccesses, exagoMix, sessionIdOf } from './exago-mix.js';
import { endSession, httpPool } from './http-clients.js';
import { leastClient } from './least-client.js';
import { median } from './measure.js';

/** The callers a worker times (`least` on the direct transport only). */
export type Caller = 'hand' | 'stream' | 'client' | 'least';

/** What one worker reports, per caller: median µs per call, and the median of paired ratios to `hand`. */
export interface ClientFigures {
  transport: 'direct' | 'http';
  n: number;
  reps: number;
  usPerCall: Partial<Record<Caller, number>>;
  cpuUsPerCall: Partial<Record<Caller, number>>;
  /** Median over repetitions of (this caller's block time / `hand`'s block time in the same repetition). */
  pairedRatio: Partial<Record<Caller, number>>;
  ok: number;
  total: number;
  /** HTTP requests one tick of N client calls took (must be 1). */
  requestsPerTick?: number;
}

const transport = process.argv[2] === 'http' ? 'http' : 'direct';
const n = Number(process.argv[3]);
const CALLERS = callersOf(process.argv[4]);
const url = process.argv[5] ?? '';

/** The callers named on the command line: `hand` and the callers it is paired with. */
function callersOf(list: string | undefined): readonly Caller[] {
  const known: readonly Caller[] = transport === 'direct' ? ['hand', 'stream', 'client', 'least'] : ['hand', 'stream', 'client'];
  const callers = (list ?? '').split(',') as Caller[];
  if (callers[0] !== 'hand' || callers.length < 2 || callers.some((c) => !known.includes(c)))
    throw new Error(`client-worker: callers must be hand and one or more of ${known.slice(1).join(', ')}, not ${JSON.stringify(list)}`);
  return callers;
}
const calls = exagoMix(n);
const typed = typedCalls(calls);
const PER_BLOCK = Math.max(1, Math.ceil(2000 / n));
const REPS = transport === 'http' ? 41 : 61;
const WARMUPS = 15;
const sessions: string[] = [];
let ok = 0;
let total = 0;
let requests = 0;

const engine = transport === 'direct' ? benchEngine() : undefined;
const pool = transport === 'http' ? httpPool(url) : undefined;
const counting: typeof fetch = (input, init) => {
  requests++;
  return fetch(input, init);
};
const client: Client<paths> = createClient<paths>({
  transport: engine === undefined ? httpTransport({ baseUrl: url, fetch: counting }) : directTransport(engine),
  endpoints: { '/rest/batch': 'exago' },
});
const direct = engine === undefined ? undefined : createDirectCaller(engine);

/** One batch of the mix, as `caller` sends it. */
async function once(caller: Caller): Promise<void> {
  total += n;
  if (caller === 'client') {
    ok += await callInOneTick(client, typed);
    if (client.session !== undefined) sessions.push(client.session);
    return;
  }
  if (caller === 'least') {
    const least = await leastClient(direct!, typed);
    ok += least.ok;
    if (least.sessionId !== undefined) sessions.push(least.sessionId);
    return;
  }
  let body: unknown;
  if (caller === 'stream') {
    const items: unknown[] = [];
    if (direct !== undefined) await direct({ url: '/rest/batch', body: calls, onResult: (item) => items.push(item) });
    else await streamed(items);
    body = items;
  } else if (direct !== undefined) body = (await direct({ url: '/rest/batch', body: calls })).body;
  else {
    const response = await fetch(`${url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(calls),
    });
    body = await response.json();
  }
  ok += countSuccesses(body);
  const sid = sessionIdOf(body);
  if (sid !== undefined) sessions.push(sid);
}

/** The hand-built batch over HTTP asking for NDJSON: each line is parsed as it arrives. */
async function streamed(items: unknown[]): Promise<void> {
  const response = await fetch(`${url}/rest/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify(calls),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const lines = (rest + value).split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (!line.startsWith('{"summary"')) items.push(JSON.parse(line));
  }
}

/** Ends the sessions the timed batches made, outside the timing, so the store does not grow. */
async function drop(): Promise<void> {
  for (const sid of sessions) {
    if (engine !== undefined) await engine.store.destroy(sid);
    else await endSession(pool!, sid);
  }
  sessions.length = 0;
}

/**
 * Times one block of `caller`: wall and CPU µs per call. No forced GC before it: a full collection
 * drops type feedback and leaves sweeping to background threads, which made every block several times slower.
 */
async function block(caller: Caller): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let b = 0; b < PER_BLOCK; b++) await once(caller);
  const wall = ((performance.now() - start) * 1000) / (PER_BLOCK * n);
  const used = process.cpuUsage(cpuStart);
  await drop();
  return { wall, cpu: (used.user + used.system) / (PER_BLOCK * n) };
}

for (let i = 0; i < WARMUPS; i++) for (const caller of CALLERS) await block(caller);
ok = 0;
total = 0;
const lists = () => Object.fromEntries(CALLERS.map((c) => [c, [] as number[]])) as Record<Caller, number[]>;
const wall = lists();
const cpu = lists();
const paired = lists();
for (let rep = 0; rep < REPS; rep++) {
  // The order rotates, so that no caller always runs right after another's garbage.
  const order = CALLERS.map((_, i) => CALLERS[(i + rep) % CALLERS.length]!);
  const times = {} as Record<Caller, number>;
  for (const caller of order) {
    const t = await block(caller);
    wall[caller].push(t.wall);
    cpu[caller].push(t.cpu);
    times[caller] = t.wall;
  }
  for (const caller of CALLERS) paired[caller].push(times[caller] / times.hand);
}
const byCaller = (values: Record<Caller, number[]>) =>
  Object.fromEntries(CALLERS.map((c) => [c, median(values[c])])) as Partial<Record<Caller, number>>;
const figures: ClientFigures = {
  transport,
  n,
  reps: REPS,
  usPerCall: byCaller(wall),
  cpuUsPerCall: byCaller(cpu),
  pairedRatio: byCaller(paired),
  ok,
  total,
};
if (transport === 'http' && CALLERS.includes('client')) {
  requests = 0;
  await once('client');
  await drop();
  figures.requestsPerTick = requests;
}
await client.close();
await pool?.close();
await engine?.close();
process.stdout.write(`${JSON.stringify(figures)}\n`);
