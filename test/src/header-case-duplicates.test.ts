// node:http folds a request's repeated header lines (IncomingMessage.headers, Node 20 docs):
// "Duplicates of age, authorization, content-length, content-type, etag, expires, from, host,
// if-modified-since, if-unmodified-since, last-modified, location, max-forwards,
// proxy-authorization, referer, retry-after, server, or user-agent are discarded. set-cookie is
// always an array. For duplicate cookie headers, the values are joined together with '; '. For all
// other headers, the values are joined together with ', '." A WebSocket message's headers and a
// direct call's are a JavaScript object: it repeats a header by spelling its name in another case
// (RFC 9110 §5.1: "Field names are case-insensitive"). Those used to keep the last spelling; they
// are folded as node folds repeated lines, so the same request answers alike on every transport.
// A fetch runtime hands the fetch handler a `Request` whose `Headers` joined repeated lines with
// ", " (Fetch §"get": "the values ... separated from each other by 0x2C 0x20"), Content-Type too:
// the handler reads the first media type of it, as node keeps the first line.
import 'reflect-metadata';
import { connect } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createEngine, type Engine, inject } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { claimApi } from '@restbatch/example-server';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoApi } from './support/claim-engine.js';
import { listen } from './support/listen.js';
import { startWs, TestClient } from './support/ws-test-client.js';

/** What a transport answered: the status, the error code when there is one, and the body. */
interface Outcome {
  status: number;
  code?: string;
  body?: unknown;
}

/** One request, its headers as [name, value] pairs in order: lines over HTTP, an object's keys elsewhere. */
interface Sent {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body?: unknown;
}

/** Sends `sent` over a raw socket, each pair its own header line, as a client on the wire may. */
function overHttp(port: number, sent: Sent): Promise<Outcome> {
  const text = sent.body === undefined ? '' : JSON.stringify(sent.body);
  const lines = [`${sent.method} ${sent.url} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of sent.headers) lines.push(`${name}: ${value}`);
  if (sent.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(text)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n${text}`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const wire = Buffer.concat(chunks).toString();
      const split = wire.indexOf('\r\n\r\n');
      const head = wire.slice(0, split).split('\r\n');
      let body = wire.slice(split + 4);
      if (/^transfer-encoding: chunked$/im.test(head.join('\n'))) body = dechunk(body);
      const status = Number(head[0]?.split(' ')[1]);
      resolve(outcomeOf(status, body === '' ? undefined : JSON.parse(body)));
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, end), 16);
    if (!(size > 0)) return out;
    out += text.slice(end + 2, end + 2 + size);
    at = end + 2 + size + 2;
  }
}

/** The error code of an answer, in any of the test APIs' error shapes. */
function outcomeOf(status: number, body: unknown, code?: string): Outcome {
  const shaped = body as { error?: { code?: string }; errorCode?: string; code?: string } | undefined;
  const found = code ?? shaped?.error?.code ?? shaped?.errorCode ?? shaped?.code;
  return found === undefined ? { status, body } : { status, code: found, body };
}

/** The three transports of one engine; each test runs a request through every one it names. */
interface World {
  engine: Engine;
  lines: Array<Record<string, unknown>>;
  send: (transport: Transport, sent: Sent) => Promise<Outcome>;
}

/** `fetch`: the fetch handler behind @hono/node-server, which builds its `Headers` from the raw lines. */
type Transport = 'http' | 'ws' | 'direct' | 'fetch';
const ALL: readonly Transport[] = ['http', 'ws', 'direct', 'fetch'];

async function withWorld(fn: (world: World) => Promise<void>, upgrade: Record<string, string> = {}): Promise<void> {
  const lines: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [claimApi(), echoApi()],
    logger: { error: () => undefined, info: (fields) => lines.push(fields as Record<string, unknown>) },
  });
  const http = await listen(createHttpHandler(engine));
  const fetchServer = await listen(getRequestListener(createFetchHandler(engine)));
  const ws = await startWs(engine);
  const client = await TestClient.open(ws.url, upgrade);
  const direct = createDirectCaller(engine);
  const port = Number(new URL(http.url).port);
  const fetchPort = Number(new URL(fetchServer.url).port);
  let ids = 0;
  const send = async (transport: Transport, sent: Sent): Promise<Outcome> => {
    // An object repeats a header only by spelling its name in another case: the pairs must differ so.
    const headers = Object.fromEntries(sent.headers);
    assert.is(Object.keys(headers).length, sent.headers.length, 'each pair is a key of its own');
    if (transport === 'http') return overHttp(port, sent);
    if (transport === 'fetch') return overHttp(fetchPort, sent);
    if (transport === 'direct') {
      const res = await direct({ method: sent.method, url: sent.url, headers, body: sent.body });
      return outcomeOf(res.status, res.body);
    }
    const message = { id: `m${++ids}`, endpoint: sent.url, method: sent.method, headers, body: sent.body };
    const { final } = await client.request(message);
    if (final.type === 'response') return outcomeOf(final.status, final.body);
    if (final.type === 'error') return { status: final.status, code: final.code };
    throw new Error(`unexpected final message ${JSON.stringify(final)}`);
  };
  try {
    await fn({ engine, lines, send });
  } finally {
    await client.close();
    await ws.close();
    await fetchServer.close();
    await http.close();
  }
}

/** Every transport's outcome of `sent`, by transport. */
async function everywhere(world: World, sent: Sent, transports: readonly Transport[] = ALL): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  for (const transport of transports) out[transport] = await world.send(transport, sent);
  return out;
}

/** `outcome` expected of every transport in `transports`. */
function alike(outcome: Outcome, transports: readonly Transport[] = ALL): Record<string, Outcome> {
  return Object.fromEntries(transports.map((t) => [t, structuredClone(outcome)]));
}

const BATCH = '/rest/echo/v1/batch';
const GW_BATCH = { requests: [{ method: 'get', path: '/echo/x' }] };
const GW_OK = {
  status: 200,
  body: {
    responses: [{ status: 200, headers: {}, body: { name: 'x', headers: {}, query: {} } }],
    summary: { succeeded: 1, failed: 0, skipped: 0 },
  },
};

/** The Guidewire error body the echo API answers with. */
const gwError = (status: number, errorCode: string, message: string, details: unknown[] = []): Outcome => ({
  status,
  code: errorCode,
  body: { status, errorCode, userMessage: message, developerMessage: message, details },
});

/** The Guidewire batch sent with two Content-Type lines, `first` then `second` (names in two cases). */
const twoContentTypes = (first: string, second: string): Sent => ({
  method: 'POST',
  url: BATCH,
  headers: [
    ['Content-Type', first],
    ['content-type', second],
  ],
  body: GW_BATCH,
});

test('node:http "Duplicates of ... content-type ... are discarded": Content-Type then content-type keeps the first on every transport (JSON first: 200; text/plain first: 415)', async () => {
  await withWorld(async (world) => {
    const json = twoContentTypes('application/json', 'text/plain');
    assert.equal(await everywhere(world, json), alike(GW_OK));
    const text = twoContentTypes('text/plain', 'application/json');
    const refused = gwError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type text/plain is not accepted; send application/json');
    assert.equal(await everywhere(world, text), alike(refused));
  });
});

test('a Content-Type parameter may quote a comma (RFC 9110 §5.6.4 quoted-string, \\" a quoted-pair): the first of two lines is read whole on every transport, the fetch handler too', async () => {
  await withWorld(async (world) => {
    for (const first of ['text/plain; x="a,b"', 'text/plain; x="a\\",b"; y=c']) {
      const sent = twoContentTypes(first, 'application/json');
      const refused = gwError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${first} is not accepted; send application/json`);
      assert.equal(await everywhere(world, sent), alike(refused), first);
    }
    const json = twoContentTypes('application/json; x="a,b"', 'text/plain');
    assert.equal(await everywhere(world, json), alike(GW_OK));
  });
});

test('fetch: one Content-Type line holding a list is read by its first type (the runtime joined lines alike, docs: packages/http), where node:http reads the whole value and refuses it', async () => {
  await withWorld(async (world) => {
    const sent: Sent = { method: 'POST', url: BATCH, headers: [['Content-Type', 'application/json, text/plain']], body: GW_BATCH };
    assert.equal((await world.send('http', sent)).status, 415);
    assert.equal(await world.send('fetch', sent), structuredClone(GW_OK));
  });
});

test('If-Unmodified-Since twice (node keeps the first, fetch hands both joined) on a batch: the same refusal on every transport, as the engine reads it for presence only', async () => {
  await withWorld(async (world) => {
    const sent: Sent = {
      method: 'POST',
      url: BATCH,
      headers: [
        ['Content-Type', 'application/json'],
        ['If-Unmodified-Since', 'Sun, 06 Nov 1994 08:49:37 GMT'],
        ['if-unmodified-since', 'Mon, 07 Nov 1994 08:49:37 GMT'],
      ],
      body: GW_BATCH,
    };
    const outcomes = await everywhere(world, sent);
    assert.is(outcomes.http?.code, 'INVALID_HEADER');
    assert.equal(outcomes, alike(outcomes.http as Outcome));
  });
});

test('inject folds as the transports do: Content-Type text/plain before content-type application/json is 415, and Accept twice is joined', async () => {
  await withWorld(async ({ engine }) => {
    const refused = await inject(engine, {
      url: BATCH,
      headers: { 'Content-Type': 'text/plain', 'content-type': 'application/json' },
      body: GW_BATCH,
    });
    assert.is(refused.status, 415);
    const read = await inject(engine, { url: '/rest/echo/v1/echo/a', headers: { Accept: 'application/json', accept: 'text/plain' } });
    assert.is(read.json<{ headers: Record<string, string> }>().headers.accept, 'application/json, text/plain');
  });
});

test('node:http "For all other headers, the values are joined together with \', \'" (Accept, If-Match, X-Tenant), "cookie ... \'; \'", first User-Agent and Authorization kept: an ordinary call reads the same headers on every transport', async () => {
  await withWorld(async (world) => {
    const folded = ['accept', 'if-match', 'x-tenant', 'user-agent', 'set-cookie'];
    const sent: Sent = {
      method: 'GET',
      url: '/rest/echo/v1/echo/a',
      headers: [
        ['Accept', 'application/json'],
        ['X-Tenant', 't1'],
        ['If-Match', '"1"'],
        ['User-Agent', 'first/1'],
        ['accept', 'text/plain;q=0.5'],
        ['if-match', '"2"'],
        ['x-tenant', 't2'],
        ['X-TENANT', 't3'],
        ['user-agent', 'second/2'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    };
    const expected = {
      accept: 'application/json, text/plain;q=0.5',
      'if-match': '"1", "2"',
      'x-tenant': 't1, t2, t3',
      'user-agent': 'first/1',
      'set-cookie': 'a=1, b=2',
    };
    for (const [transport, outcome] of Object.entries(await everywhere(world, sent))) {
      assert.is(outcome.status, 200, transport);
      const seen = (outcome.body as { headers: Record<string, string> }).headers;
      // Over fetch the runtime joined the two User-Agent lines, and the handler leaves them so: the
      // engine reads no User-Agent, and a product's comment may hold a comma (docs: packages/http).
      const ua = transport === 'fetch' ? { 'user-agent': 'first/1, second/2' } : {};
      assert.equal(Object.fromEntries(folded.map((name) => [name, seen[name]])), { ...expected, ...ua }, transport);
    }
    // Identity headers come from the upgrade request over WebSocket (a message may not set them): HTTP and direct only.
    const identity: Sent = {
      method: 'GET',
      url: '/rest/echo/v1/echo/a',
      headers: [
        ['Authorization', 'Bearer first'],
        ['Cookie', 'a=1'],
        ['authorization', 'Bearer second'],
        ['cookie', 'b=2'],
      ],
    };
    for (const [transport, outcome] of Object.entries(await everywhere(world, identity, ['http', 'direct']))) {
      const seen = (outcome.body as { headers: Record<string, string> }).headers;
      assert.equal([seen.authorization, seen.cookie], ['Bearer first', 'a=1; b=2'], transport);
    }
  });
});

test('Idempotency-Key is not in node\'s discard list: two are joined ("k1, k2"), which is no key (a space), 400 INVALID_HEADER on every transport; one key runs', async () => {
  await withWorld(async (world) => {
    const sent: Sent = {
      method: 'POST',
      url: BATCH,
      headers: [
        ['Content-Type', 'application/json'],
        ['Idempotency-Key', 'k1'],
        ['idempotency-key', 'k2'],
      ],
      body: GW_BATCH,
    };
    const refused = gwError(400, 'INVALID_HEADER', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    assert.equal(await everywhere(world, sent), alike(refused));
    const once = await everywhere(world, {
      ...sent,
      headers: [
        ['Content-Type', 'application/json'],
        ['Idempotency-Key', 'k1'],
      ],
    });
    assert.equal(
      Object.values(once).map((o) => o.status),
      ALL.map(() => 200),
    );
  });
});

test('RestBatch-References twice ("none", "none") is joined as node joins it, "none, none": 400 INVALID_HEADER with the same message on every transport', async () => {
  await withWorld(async (world) => {
    const sent: Sent = {
      method: 'POST',
      url: BATCH,
      headers: [
        ['Content-Type', 'application/json'],
        ['RestBatch-References', 'none'],
        ['restbatch-references', 'none'],
      ],
      body: GW_BATCH,
    };
    const message = 'restbatch-references takes one value, none (every string of the batch is taken as written), not "none, none"';
    assert.equal(await everywhere(world, sent), alike(gwError(400, 'INVALID_HEADER', message, [{ header: 'restbatch-references' }])));
  });
});

test('X-Request-Id in any case names the request on every transport; two are joined, which is no plain token: a fresh id', async () => {
  await withWorld(async (world) => {
    const base: Sent = { method: 'POST', url: BATCH, headers: [['Content-Type', 'application/json']], body: GW_BATCH };
    for (const transport of ALL) {
      const tag = `req-${transport}`;
      await world.send(transport, { ...base, headers: [...base.headers, ['X-Request-Id', tag]] });
      assert.is(world.lines.at(-1)?.requestId, tag, transport);
      await world.send(transport, { ...base, headers: [...base.headers, ['X-Request-Id', tag], ['x-request-id', 'other']] });
      assert.match(String(world.lines.at(-1)?.requestId), /^[0-9a-f]{8}-[0-9a-f]{4}-/, transport);
    }
  });
});

test("WebSocket: a message header still overrides the upgrade request's (by design); only the spellings within the message are folded", async () => {
  await withWorld(
    async (world) => {
      const sent: Sent = {
        method: 'GET',
        url: '/rest/echo/v1/echo/a',
        headers: [
          ['X-Tenant', 'm1'],
          ['x-tenant', 'm2'],
        ],
      };
      const outcome = await world.send('ws', sent);
      assert.is((outcome.body as { headers: Record<string, string> }).headers['x-tenant'], 'm1, m2');
      const plain = await world.send('ws', { ...sent, headers: [] });
      assert.is((plain.body as { headers: Record<string, string> }).headers['x-tenant'], 'from-upgrade');
    },
    { 'X-Tenant': 'from-upgrade' },
  );
});

test('OData JSON §19.1 "the headers object MUST NOT contain name/value pairs with duplicate names" still refuses a sub-request\'s case-duplicate names (400 BATCH_MALFORMED) on every transport, while the outer ones are folded', async () => {
  await withWorld(async (world) => {
    const sent: Sent = {
      method: 'POST',
      url: '/rest/echo/v1/$batch',
      headers: [
        ['Content-Type', 'application/json'],
        ['OData-Version', '4.01'],
        ['Accept', 'application/json'],
        ['accept', 'application/json;q=0.9'],
      ],
      body: { requests: [{ id: '1', method: 'get', url: 'echo/a', headers: { 'if-match': '"1"', 'If-Match': '"2"' } }] },
    };
    const outcomes = await everywhere(world, sent);
    assert.equal(
      Object.values(outcomes).map((o) => [o.status, o.code]),
      ALL.map(() => [400, 'BATCH_MALFORMED']),
    );
    assert.equal(outcomes.ws, outcomes.http);
    assert.equal(outcomes.direct, outcomes.http);
    assert.equal(outcomes.fetch, outcomes.http);
  });
});

test.run();
