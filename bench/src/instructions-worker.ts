// Child process of `instructions.ts`, run under valgrind: `node --single-threaded instructions-worker.js direct|floor|client|least BATCHES N`.
// Sends BATCHES batches of the Exago mix of N calls the way the mode says, ending the sessions they open
// every second batch (as the timed workers do), and prints nothing: valgrind counts its instructions.
import { createClient } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createDirectCaller } from '@restbatch/direct';
import type { paths } from '@restbatch/example-client';
import { benchEngine } from './bench-engine.js';
import { callInOneTick, typedCalls } from './client-calls.js';
import { countSuccesses, exagoMix, sessionIdOf } from './exago-mix.js';
import { createFloor } from './floor.js';
import { leastClient } from './least-client.js';

const mode = process.argv[2];
const batches = Number(process.argv[3]);
const n = Number(process.argv[4]);
const calls = exagoMix(n);
const typed = typedCalls(calls);
const engine = benchEngine();
const direct = createDirectCaller(engine);
const floor = createFloor(engine, calls);
const client = createClient<paths>({ transport: directTransport(engine), endpoints: { '/rest/batch': 'exago' } });
const sessions: string[] = [];
let ok = 0;

/** One batch as `mode` sends it; the same callers as the timed direct and client workers. */
async function once(): Promise<void> {
  if (mode === 'floor') {
    const result = await floor();
    ok += result.ok;
    sessions.push(result.sessionId);
  } else if (mode === 'least') {
    const least = await leastClient(direct, typed);
    ok += least.ok;
    if (least.sessionId !== undefined) sessions.push(least.sessionId);
  } else if (mode === 'client') {
    ok += await callInOneTick(client, typed);
    if (client.session !== undefined) sessions.push(client.session);
  } else {
    const body = (await direct({ url: '/rest/batch', body: calls })).body;
    ok += countSuccesses(body);
    const sid = sessionIdOf(body);
    if (sid !== undefined) sessions.push(sid);
  }
}

if (mode !== 'direct' && mode !== 'floor' && mode !== 'client' && mode !== 'least')
  throw new Error(`unknown mode ${mode}: direct, floor, client or least`);
for (let b = 0; b < batches; b++) {
  await once();
  if (b % 2 === 1) {
    for (const sid of sessions) await engine.store.destroy(sid);
    sessions.length = 0;
  }
}
if (ok !== batches * n) throw new Error(`${batches * n - ok} calls failed`);
await client.close();
await engine.close();
