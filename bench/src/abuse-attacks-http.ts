// The abuse scenario's attacks over HTTP (issue 10). Each one is bounded in requests and time,
// talks only to the server's 127.0.0.1 address, and stops promptly when its signal aborts.
import { setMaxListeners } from 'node:events';
import { connect, type Socket } from 'node:net';
import { codeIn, describe, type HttpOutcome, mb, send, sleep } from './abuse-client.js';
import { amplificationBatch, bigReadsBatch, odataGroupBatch, sessionFloodBatch, sessionGrowthBatch } from './abuse-payloads.js';
import type { Attack } from './abuse-types.js';
import { exagoMix } from './exago-mix.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
/** The address of "another client" where an attack checks what others still get. */
const OTHER_CLIENT = '127.0.0.2';

function kb(text: string): string {
  return `${Math.round(Buffer.byteLength(text) / 1024)} KB`;
}

/** How many items of an Exago answer carry each ReturnCode. */
function returnCodes(outcome: HttpOutcome): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const match of outcome.head.matchAll(/"ReturnCode":"(\d+)"/g)) tally[match[1] as string] = (tally[match[1] as string] ?? 0) + 1;
  return tally;
}

function tallyText(tally: Record<string, number>): string {
  const parts = Object.entries(tally).map(([code, n]) => `${n}×${code}`);
  return parts.length === 0 ? 'no items' : parts.join(' ');
}

/** Reference amplification: a small Exago body whose references expand to a huge answer. */
function amplification(copies: number, items: number): Attack {
  const body = amplificationBatch(copies, items);
  const expands = 65_536 * copies * (items + 1);
  return {
    name: `references ${kb(body)}`,
    description: `64 KiB Value, ${copies}× "\${1/body/Value}", ${items}× "$ref:2/body/Values" (≈${mb(expands)} resolved)`,
    limitMs: 15_000,
    bodyBytes: Buffer.byteLength(body),
    run: async ({ url, signal }) => ({ outcome: describe(await send(url, '/rest/batch', { headers: JSON_HEADERS, body, signal })) }),
  };
}

/** A raw HTTP/1.1 request on a socket that is never read. */
function unreadRequest(url: string, path: string, headers: Record<string, string>, body: string): Socket {
  const { port } = new URL(url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-length': String(Buffer.byteLength(body)), ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  socket.write(body);
  socket.pause();
  socket.on('error', () => {});
  return socket;
}

const ndjsonNoRead: Attack = {
  name: 'NDJSON, 3 clients never read',
  description: '3 × a batch reading the 64 KiB parameter 9998 times (≈655 MB each) with Accept: application/x-ndjson; nothing read',
  limitMs: 12_000,
  bodyBytes: Buffer.byteLength(bigReadsBatch(9998)),
  run: async ({ url, server, signal }) => {
    const body = bigReadsBatch(9998);
    const started = performance.now();
    let ended = 0;
    let lastEnd = 0;
    server.onLine((line) => {
      if (!line.includes('(ndjson)')) return;
      ended++;
      lastEnd = performance.now() - started;
    });
    const sockets = [0, 1, 2].map(() => unreadRequest(url, '/rest/batch', { ...JSON_HEADERS, accept: 'application/x-ndjson' }, body));
    const until = started + 8000;
    while (performance.now() < until && ended < 3 && !signal.aborted) await sleep(100, signal);
    if (ended === 3) await sleep(500, signal);
    for (const socket of sockets) socket.destroy();
    return {
      outcome:
        ended === 3
          ? `all 3 batches ended server-side after ${(lastEnd / 1000).toFixed(1)} s with nothing read`
          : `${ended}/3 batches ended server-side in 8 s with nothing read`,
    };
  },
};

const idempotency: Attack = {
  name: 'idempotency, 50 keys',
  description: '50 batches with unique Idempotency-Key, each answer ≈10 MB (the 64 KiB parameter read 150 times)',
  limitMs: 20_000,
  bodyBytes: Buffer.byteLength(bigReadsBatch(150)),
  run: async ({ url, signal }) => {
    const body = bigReadsBatch(150);
    let answerBytes = 0;
    const statuses: Record<string, number> = {};
    let last: HttpOutcome | undefined;
    let sent = 0;
    for (; sent < 50 && !signal.aborted; sent++) {
      last = await send(url, '/rest/batch', {
        headers: { ...JSON_HEADERS, 'idempotency-key': `abuse-${sent}` },
        body,
        keepBytes: 0,
        signal,
      });
      const key = String(last.status ?? last.error);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (last.status === undefined) break;
      answerBytes = Math.max(answerBytes, last.bytes);
    }
    const summary = Object.entries(statuses)
      .map(([status, n]) => `${n}×${status}`)
      .join(' ');
    return { outcome: `${sent} keys sent: ${summary}; answers of ${mb(answerBytes)}` };
  },
};

const CONCURRENT = 20;

const resultsInFlight: Attack = {
  name: 'results in flight, 20 batches',
  description: `${CONCURRENT} concurrent batches, each reading the 64 KiB parameter 500 times (≈33 MB of results each, within maxResultBytes)`,
  limitMs: 60_000,
  bodyBytes: Buffer.byteLength(bigReadsBatch(500)),
  run: async ({ url, signal }) => {
    const body = bigReadsBatch(500);
    // Each request listens to the attack's signal.
    setMaxListeners(CONCURRENT + 10, signal);
    const outs = await Promise.all(
      Array.from({ length: CONCURRENT }, () => send(url, '/rest/batch', { headers: JSON_HEADERS, body, keepBytes: 0, signal })),
    );
    const statuses: Record<string, number> = {};
    for (const out of outs) statuses[String(out.status ?? out.error)] = (statuses[String(out.status ?? out.error)] ?? 0) + 1;
    const sizes = outs.map((out) => out.bytes).sort((a, b) => a - b);
    const total = sizes.reduce((sum, bytes) => sum + bytes, 0);
    const summary = Object.entries(statuses)
      .map(([status, n]) => `${n}×${status}`)
      .join(' ');
    return {
      outcome: `${summary}; answers of ${mb(sizes[0] ?? 0)} to ${mb(sizes[sizes.length - 1] ?? 0)}, ${mb(total)} in all (the rest RESULTS_BUSY in its slots)`,
    };
  },
};

const sessionFlood: Attack = {
  name: 'Session%73 flood',
  description: '10 batches of POST Sessions + 9999 × "Session%73" POST, then another client opens a session',
  limitMs: 25_000,
  bodyBytes: Buffer.byteLength(sessionFloodBatch(9999)),
  run: async ({ url, signal }) => {
    const body = sessionFloodBatch(9999);
    let created = 0;
    let batches = 0;
    let last: HttpOutcome | undefined;
    for (; batches < 10 && !signal.aborted; batches++) {
      last = await send(url, '/rest/batch', { headers: JSON_HEADERS, body, keepBytes: 64 * 1024 * 1024, signal });
      if (last.status === undefined) break;
      created += returnCodes(last)['201'] ?? 0;
    }
    const other = await send(url, '/rest/Sessions', { headers: JSON_HEADERS, body: '{}', signal, localAddress: OTHER_CLIENT });
    const code = other.status !== undefined && other.status >= 300 ? ` ${codeIn(other.head) ?? ''}` : '';
    return {
      outcome: `${batches} batches (last: ${last === undefined ? '-' : describe(last)}) made ${created} sessions; another client's POST Sessions: ${other.status ?? other.error}${code}`,
      check: { name: 'another client can still open a session', goal: '2xx', pass: other.status !== undefined && other.status < 300 },
    };
  },
};

const GROWTH_BATCHES = 100;

const sessionGrowth: Attack = {
  name: 'session growth',
  description: `${GROWTH_BATCHES} batches of POST Sessions, a 64 KiB parameter and 120 parameters whose Value references it (≈7.9 MB each asked to be kept), then another client writes`,
  limitMs: 60_000,
  bodyBytes: Buffer.byteLength(sessionGrowthBatch(120)),
  run: async ({ url, signal }) => {
    const body = sessionGrowthBatch(120);
    const tally: Record<string, number> = {};
    let batches = 0;
    let mostKept = 0;
    let last: HttpOutcome | undefined;
    for (; batches < GROWTH_BATCHES && !signal.aborted; batches++) {
      last = await send(url, '/rest/batch', { headers: JSON_HEADERS, body, keepBytes: 16 * 1024 * 1024, signal });
      if (last.status === undefined) break;
      const codes = returnCodes(last);
      for (const [code, n] of Object.entries(codes)) tally[code] = (tally[code] ?? 0) + n;
      // The session's own 201 and the 64 KiB parameter's are not copies.
      mostKept = Math.max(mostKept, (codes['201'] ?? 0) - 2);
    }
    const other = await send(url, '/rest/batch', {
      headers: JSON_HEADERS,
      body: JSON.stringify([
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', Value: 'v' } },
      ]),
      signal,
      localAddress: OTHER_CLIENT,
    });
    const otherCodes = tallyText(returnCodes(other));
    return {
      outcome: `${batches} batches (last: ${last === undefined ? '-' : describe(last)}): items ${tallyText(tally)}; at most ${mostKept} copies kept in a session; another client: ${otherCodes}`,
      check: {
        name: 'a session stops growing at its byte cap (1 MiB: 15 copies of 64 KiB)',
        goal: '≤ 15 copies per session, another client 2×201',
        pass: batches === GROWTH_BATCHES && mostKept <= 15 && (tally['507'] ?? 0) > 0 && otherCodes === '2×201',
      },
    };
  },
};

const odataGroup: Attack = {
  name: 'OData 13300 in one group',
  description: '13,300 OData requests in one atomicityGroup, each with dependsOn the group (limit: 20 per batch)',
  limitMs: 20_000,
  bodyBytes: Buffer.byteLength(odataGroupBatch(13_300)),
  run: async ({ url, signal }) => {
    const body = odataGroupBatch(13_300);
    return { outcome: describe(await send(url, '/rest/claim/v1/$batch', { headers: JSON_HEADERS, body, signal })) };
  },
};

const batch10000 = JSON.stringify(exagoMix(10_000));

const bigBatch: Attack = {
  name: 'batch of 10000',
  description: 'three ordinary Exago batches of 10000 calls (the benchmark mix), one after the other',
  limitMs: 20_000,
  bodyBytes: Buffer.byteLength(batch10000),
  blockTarget: true,
  run: async ({ url, signal }) => {
    const parts: string[] = [];
    for (let i = 0; i < 3 && !signal.aborted; i++) {
      const out = await send(url, '/rest/batch', { headers: JSON_HEADERS, body: batch10000, keepBytes: 64 * 1024 * 1024, signal });
      parts.push(`${out.status ?? out.error} ${tallyText(returnCodes(out))} in ${(out.ms / 1000).toFixed(2)} s`);
      if (out.status === undefined) break;
    }
    return { outcome: parts.join('; ') };
  },
};

/** The batch of 10000 sent with `RestBatch-Timeout: <value>`; `check` judges the answer and its item tally. */
function timeoutAttack(
  value: string,
  description: string,
  check: { name: string; goal: string; pass: (status: number | undefined, tally: Record<string, number>) => boolean },
): Attack {
  return {
    name: `RestBatch-Timeout: ${value}`,
    description: `the batch of 10000 with RestBatch-Timeout: ${value} (${description})`,
    limitMs: 15_000,
    bodyBytes: Buffer.byteLength(batch10000),
    blockTarget: true,
    run: async ({ url, signal }) => {
      const out = await send(url, '/rest/batch', {
        headers: { ...JSON_HEADERS, 'restbatch-timeout': value },
        body: batch10000,
        keepBytes: 64 * 1024 * 1024,
        signal,
      });
      const tally = returnCodes(out);
      return {
        outcome: `${describe(out)}; items: ${tallyText(tally)}`,
        check: { name: check.name, goal: check.goal, pass: check.pass(out.status, tally) },
      };
    },
  };
}

const timeoutOne = timeoutAttack('1', 'a 1 ms deadline', {
  name: 'the 1 ms deadline is kept',
  goal: '504 (batch or items)',
  pass: (status, tally) => status === 504 || (tally['504'] ?? 0) > 0,
});

const timeoutHuge = timeoutAttack('9999999999', 'over setTimeout’s 2^31−1 ms, which fires at once', {
  name: 'a long deadline is not the shortest',
  goal: '400, or items run without 504',
  pass: (status, tally) => status === 400 || (status === 200 && (tally['504'] ?? 0) === 0),
});

const SLOW_SOCKETS = 200;
const SLOW_MS = 15_000;

const slowBodies: Attack = {
  name: '200 slow bodies',
  description: `${SLOW_SOCKETS} sockets sending a 100000-byte body at 1 byte/s, for ${SLOW_MS / 1000} s`,
  limitMs: SLOW_MS + 5000,
  bodyBytes: 100_000,
  run: async ({ url, signal }) => {
    const { port } = new URL(url);
    let closed = 0;
    let firstClose: number | undefined;
    const started = performance.now();
    const sockets = Array.from({ length: SLOW_SOCKETS }, () => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.on('close', () => {
        closed++;
        firstClose ??= performance.now() - started;
      });
      socket.write(
        `POST /rest/batch HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n`,
      );
      return socket;
    });
    while (performance.now() - started < SLOW_MS && !signal.aborted) {
      await sleep(1000, signal);
      for (const socket of sockets) if (!socket.destroyed) socket.write('[');
    }
    const open = SLOW_SOCKETS - closed;
    for (const socket of sockets) socket.destroy();
    const first = firstClose === undefined ? '' : `, the first after ${(firstClose / 1000).toFixed(1)} s`;
    return {
      outcome: `${open}/${SLOW_SOCKETS} still open after ${((performance.now() - started) / 1000).toFixed(0)} s (${closed} closed by the server${first})`,
    };
  },
};

const repeatedQuery = JSON.stringify([
  { Url: 'Sessions', Method: 'POST' },
  { Url: `Parameters?${Array.from({ length: 24_000 }, () => 'x=1').join('&')}`, Method: 'GET' },
]);

const repeatedQueryParameter: Attack = {
  name: 'repeated query parameter',
  description: 'an Exago call whose Url repeats one query parameter 24,000 times (quadratic to parse before the fix: 3.5 s)',
  limitMs: 20_000,
  bodyBytes: Buffer.byteLength(repeatedQuery),
  blockTarget: true,
  run: async ({ url, signal }) => ({
    outcome: describe(await send(url, '/rest/batch', { headers: JSON_HEADERS, body: repeatedQuery, signal })),
  }),
};

const paddedIf = JSON.stringify({
  requests: [
    { id: '1', method: 'GET', url: 'claims?pageSize=1' },
    { id: '2', method: 'GET', url: 'claims?pageSize=1', if: `$1/$succeeded${' '.repeat(60_000)}x` },
  ],
});

const paddedCondition: Attack = {
  name: 'OData if padded with spaces',
  description: 'an OData `if` of 60,000 spaces between two words (a backtracking split took 3.2 s before the fix)',
  limitMs: 20_000,
  bodyBytes: Buffer.byteLength(paddedIf),
  blockTarget: true,
  run: async ({ url, signal }) => ({
    outcome: describe(await send(url, '/rest/claim/v1/$batch', { headers: JSON_HEADERS, body: paddedIf, signal })),
  }),
};

/** The HTTP attacks, in the order they run. */
export function httpAttacks(): Attack[] {
  return [
    amplification(300, 200),
    amplification(5, 1400),
    amplification(5, 2000),
    ndjsonNoRead,
    idempotency,
    resultsInFlight,
    sessionFlood,
    sessionGrowth,
    odataGroup,
    bigBatch,
    repeatedQueryParameter,
    paddedCondition,
    timeoutOne,
    timeoutHuge,
    slowBodies,
  ];
}
