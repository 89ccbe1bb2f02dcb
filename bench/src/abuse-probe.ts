// The abuse scenario's observer, in its own process so that the attacking client's busy event loop
// never shows up as server latency. Started by abuse-watch.ts with IPC:
//   node abuse-probe.js <serverUrl> <serverPid> <ceilingMb>
// It opens a session, says {type:'ready'}, then every PROBE_MS sends `GET /rest/Roles?sid=` over a
// pool of keep-alive connections (so that probes never queue behind each other on one connection)
// and polls the server's memory; on {type:'stop'} it answers {type:'report'}.
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

/** What the probe hands back at the end of an attack. */
export interface ProbeReport {
  type: 'report';
  /** Probes sent; how many answered 2xx, failed (an error status or no connection), or were still waiting at the end. */
  sent: number;
  ok: number;
  failed: number;
  waiting: number;
  /** Latencies in ms, from each probe's scheduled send time (so queueing behind a block counts). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The longest time the server answered no probe while one was waiting: its longest event-loop block. */
  longestBlockMs: number;
  /** The server's peak RSS (VmHWM) seen by the poll, and its RSS at the end, in MB. */
  peakRssMb: number | undefined;
  lastRssMb: number | undefined;
  /** Set when the probe killed the server for going over the ceiling. */
  killedAtRssMb: number | undefined;
}

const PROBE_MS = 10;
const POLL_MS = 20;
/** Connections of the probe: enough that a probe never waits for a free one unless the server is stuck. */
const CONNECTIONS = 32;
/** Probes waiting at once; beyond this the server is blocked anyway and the waiting ones show it. */
const MAX_PENDING = 3000;
const PROBE_ADDRESS = '127.0.0.3';

const [url, pidText, ceilingText] = process.argv.slice(2) as [string, string, string];
const pid = Number(pidText);
const ceilingMb = Number(ceilingText);

interface Probe {
  scheduled: number;
  done: number | undefined;
  ok: boolean;
}

function memory(): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    if (hwm === null || rss === null) return undefined;
    return { hwm: Number(hwm[1]) / 1024, rss: Number(rss[1]) / 1024 };
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

// From its own loopback address: the server sees a client other than the attacker (127.0.0.1).
const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1, headersTimeout: 0, bodyTimeout: 0, localAddress: PROBE_ADDRESS });
let peakRss: number | undefined;
let lastRss: number | undefined;
let killedAt: number | undefined;

const poll = setInterval(() => {
  const m = memory();
  if (m === undefined) return;
  peakRss = Math.max(peakRss ?? 0, m.hwm);
  lastRss = m.rss;
  if (killedAt === undefined && m.rss > ceilingMb) {
    killedAt = m.rss;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}, POLL_MS);

const created = await pool.request({ path: '/rest/Sessions', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
const sid = ((await created.body.json()) as { Id?: string }).Id;
if (sid === undefined) throw new Error(`the probe could not open a session (status ${created.statusCode})`);
const path = `/rest/Roles?sid=${sid}`;
// Open the connections and warm the route up, so that the first timed probes pay for neither.
for (let round = 0; round < 2; round++) {
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => (await pool.request({ path, method: 'GET' })).body.text()));
}

const probes: Probe[] = [];
let pending = 0;
const started = performance.now();
let tick = 0;

function send(): void {
  const probe: Probe = { scheduled: started + tick * PROBE_MS, done: undefined, ok: false };
  probes.push(probe);
  pending++;
  pool.request({ path, method: 'GET' }).then(
    async (response) => {
      await response.body.text();
      probe.ok = response.statusCode < 300;
      probe.done = performance.now();
      pending--;
    },
    () => {
      probe.done = performance.now();
      pending--;
    },
  );
}

let timer: NodeJS.Timeout | undefined;
function schedule(): void {
  // Fixed schedule: a late tick sends the probes that fell due, each stamped with its due time.
  const now = performance.now();
  while (started + tick * PROBE_MS <= now) {
    if (pending < MAX_PENDING) send();
    tick++;
  }
  timer = setTimeout(schedule, Math.max(0, started + tick * PROBE_MS - performance.now()));
}

function report(): ProbeReport {
  const end = performance.now();
  const latencies = probes.map((probe) => (probe.done ?? end) - probe.scheduled).sort((a, b) => a - b);
  // A block: a probe waited and no probe at all was answered meanwhile. Walk the answers in time
  // order; each waited from its due time or from the answer before it, whichever came later.
  const byDone = probes.map((probe) => ({ scheduled: probe.scheduled, done: probe.done ?? end })).sort((a, b) => a.done - b.done);
  let longestBlock = 0;
  let previousDone = started;
  for (const probe of byDone) {
    longestBlock = Math.max(longestBlock, probe.done - Math.max(previousDone, probe.scheduled));
    previousDone = probe.done;
  }
  return {
    type: 'report',
    sent: probes.length,
    ok: probes.filter((p) => p.ok).length,
    failed: probes.filter((p) => p.done !== undefined && !p.ok).length,
    waiting: probes.filter((p) => p.done === undefined).length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length === 0 ? Number.NaN : (latencies[latencies.length - 1] as number),
    longestBlockMs: longestBlock,
    peakRssMb: peakRss,
    lastRssMb: lastRss,
    killedAtRssMb: killedAt,
  };
}

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'stop') return;
  clearTimeout(timer);
  clearInterval(poll);
  process.send?.(report(), () => {
    pool.destroy().finally(() => process.exit(0));
  });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
schedule();
