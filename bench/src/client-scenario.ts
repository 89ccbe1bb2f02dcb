import type { ClientFigures } from './client-worker.js';
import { median, runWorker } from './measure.js';
import type { Row, ScenarioResult } from './report.js';
import { startServerProcess } from './server-process.js';

const N = 1000;
const ROUNDS = 5;
const TARGET = 1.3;
const WORKER = new URL('./client-worker.js', import.meta.url);

type Transport = 'direct' | 'http';
type Caller = ClientFigures['caller'];
const ORDERS: readonly (readonly Caller[])[] = [
  ['hand', 'stream', 'client'],
  ['client', 'hand', 'stream'],
  ['stream', 'client', 'hand'],
];

/**
 * Issue 14: the client's per-call cost against a hand-built batch of the same calls (the bench's
 * Exago mix), over the direct transport and over HTTP. Every measurement runs in a fresh worker
 * process set up like scenario 1's; hand-built and client workers alternate, over several rounds.
 */
export async function clientScenario(): Promise<ScenarioResult> {
  const server = await startServerProcess();
  const figures: Record<Transport, Record<Caller, ClientFigures[]>> = {
    direct: { hand: [], stream: [], client: [] },
    http: { hand: [], stream: [], client: [] },
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const transport of ['direct', 'http'] as const) {
        // Alternate who goes first, so a slower minute of the shared machine does not favour one.
        for (const caller of ORDERS[round % ORDERS.length]!) {
          const args = [caller, transport, String(N), ...(transport === 'http' ? [server.url] : [])];
          figures[transport][caller].push(await runWorker<ClientFigures>(WORKER, args));
        }
      }
    }
  } finally {
    await server.stop();
  }
  const rows: Row[] = [];
  const ratios: Record<Transport, number> = { direct: Number.NaN, http: Number.NaN };
  for (const transport of ['direct', 'http'] as const) {
    const { hand, stream, client } = figures[transport];
    const handUs = median(hand.map((f) => f.usPerCall));
    const streamUs = median(stream.map((f) => f.usPerCall));
    const clientUs = median(client.map((f) => f.usPerCall));
    ratios[transport] = clientUs / handUs;
    rows.push({
      transport,
      N,
      'hand-built µs/call': handUs,
      'hand streamed µs/call': streamUs,
      'client µs/call': clientUs,
      ratio: ratios[transport],
      'round ratios': hand.map((h, i) => (client[i]!.usPerCall / h.usPerCall).toFixed(2)).join(' '),
      'ratio to streamed': clientUs / streamUs,
      'hand CPU µs/call': median(hand.map((f) => f.cpuUsPerCall)),
      'client CPU µs/call': median(client.map((f) => f.cpuUsPerCall)),
      'ok (client)': `${client.reduce((s, f) => s + f.ok, 0)}/${client.reduce((s, f) => s + f.total, 0)}`,
    });
  }
  const perBatch = figures.http.client.map((f) => f.requestsPerBatch);
  const allOk = Object.values(figures).every((byCaller) => Object.values(byCaller).every((all) => all.every((f) => f.ok === f.total)));
  return {
    name: 'client — @restbatch/client against hand-built batches (issue 14)',
    rows,
    targets: [
      target('direct, N=1000', ratios.direct),
      target('http, N=1000', ratios.http),
      {
        name: 'N calls in one tick',
        goal: '1 HTTP request',
        actual: `${perBatch.join(', ')} request(s)`,
        pass: perBatch.every((r) => r === 1),
      },
      { name: 'every call succeeded', goal: 'all 2xx', actual: allOk ? 'yes' : 'no', pass: allOk },
    ],
    notes: [
      `Each figure is the median over ${ROUNDS} rounds; each round runs every worker in a fresh \`node --expose-gc\` process (median µs/call over repetitions after warm-up, as scenario 1).`,
      'The calls are the bench Exago mix (POST Sessions, then POST/PATCH/GET/DELETE of parameters and roles): the client makes them as typed calls in one tick; the hand-built caller sends the prepared envelope.',
      'HTTP: the example server runs in its own process; every caller uses the global fetch. The client asks for NDJSON and settles each call as its line arrives; "hand-built" reads one JSON answer, "hand streamed" asks for NDJSON and parses each line as it arrives (direct: onResult).',
      'The targets are judged against "hand-built" (the stricter); "ratio to streamed" shows what the client adds over a hand-built caller that streams as it must.',
    ],
  };
}

function target(name: string, ratio: number) {
  return { name, goal: `≤ ${TARGET}× hand-built`, actual: `${ratio.toFixed(2)}×`, pass: ratio <= TARGET };
}
