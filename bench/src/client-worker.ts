// Child process of the client scenario: `node --expose-gc client-worker.js hand|stream|client direct|http N [URL]`.
// `hand` sends the prepared envelope and reads the whole answer; `stream` sends it and takes each result as
// it comes (onResult, NDJSON lines), as the client must; `client` makes the same calls through @restbatch/client.
// Prints one JSON line: median µs per call, successes, and HTTP requests per batch of N calls.
import { type Client, createClient, httpTransport } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createDirectCaller } from '@restbatch/direct';
import type { paths } from '@restbatch/example-client';
import { benchEngine } from './bench-engine.js';
import { typedCalls } from './client-calls.js';
import { countSuccesses, exagoMix, sessionIdOf } from './exago-mix.js';
import { endSession, httpPool } from './http-clients.js';
import { plan, timePerSub } from './measure.js';

/** What one worker reports. */
export interface ClientFigures {
  caller: 'hand' | 'stream' | 'client';
  transport: 'direct' | 'http';
  n: number;
  usPerCall: number;
  cpuUsPerCall: number;
  ok: number;
  total: number;
  /** HTTP requests one batch of N calls took (the client must send exactly one). */
  requestsPerBatch?: number;
}

type Loose = Record<string, (path: string, init?: object) => Promise<{ ok: boolean }>>;

const caller = process.argv[2] === 'client' ? 'client' : process.argv[2] === 'stream' ? 'stream' : 'hand';
const transport = process.argv[3] === 'http' ? 'http' : 'direct';
const n = Number(process.argv[4]);
const url = process.argv[5] ?? '';
const calls = exagoMix(n);
const typed = typedCalls(calls);
const { perBlock, reps, warmups } = plan(n, 2000, transport === 'http' ? 60_000 : 100_000, 9);
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
const client: Client<paths> | undefined =
  caller !== 'client'
    ? undefined
    : createClient<paths>({
        transport: engine === undefined ? httpTransport({ baseUrl: url, fetch: counting }) : directTransport(engine),
        endpoints: { '/rest/batch': 'exago' },
      });
const direct = engine === undefined ? undefined : createDirectCaller(engine);

/** One batch of the mix, however this worker sends it. */
async function once(): Promise<void> {
  total += n;
  if (client !== undefined) {
    const c = client as unknown as Loose;
    const pending: Promise<{ ok: boolean }>[] = [];
    for (const t of typed) pending.push(c[t.method]!(t.template, t.init));
    const results = await Promise.all(pending);
    for (const r of results) if (r.ok) ok++;
    if (client.session !== undefined) sessions.push(client.session);
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

const timing = await timePerSub(
  perBlock * n,
  warmups,
  reps,
  async () => {
    for (let b = 0; b < perBlock; b++) await once();
  },
  drop,
);
const figures: ClientFigures = { caller, transport, n, usPerCall: timing.wall, cpuUsPerCall: timing.cpu, ok, total };
if (transport === 'http' && client !== undefined) {
  requests = 0;
  await once();
  await drop();
  figures.requestsPerBatch = requests;
}
await client?.close();
await pool?.close();
await engine?.close();
process.stdout.write(`${JSON.stringify(figures)}\n`);
