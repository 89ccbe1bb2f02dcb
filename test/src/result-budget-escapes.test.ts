import 'reflect-metadata';
import { createEngine, guidewireDialect, MemorySessionStore, type ResourceHandler, snapshot } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { held, inFlightEngine, TRANSPORTS, withTransport } from './support/in-flight-engine.js';
import { listen } from './support/listen.js';

// The budgets count characters of JSON as JSON.stringify writes them (ECMA-262 §25.5.2.3
// QuoteJSONString): a control character other than \b \f \n \r \t takes six (`\u0001`), `"`, `\`
// and those five take two, a lone surrogate six. Counting a string's length instead let a batch
// whose strings hold control characters answer six times its maxResultBytes.

const KIB = 1024;
/** A control character JSON writes as `\u0001`: one character in memory, six in the answer. */
const CONTROL = '\u0001';
type ExagoItem = { ReturnCode: string; ResponseContent: { code?: string } | null };

/** A session, a parameter of 2000 control characters (12 KB of JSON), then 20 reads of the parameter list. */
const ESCAPING_BATCH = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'B', Value: CONTROL.repeat(2000) } },
  ...Array.from({ length: 20 }, () => ({ Url: 'Parameters', Method: 'GET' })),
];
const MAX_RESULT_BYTES = 64 * KIB;
/** What the answer adds around the results: each item's envelope (`ReturnCode` and the rest). */
const ENVELOPE_SLACK = ESCAPING_BATCH.length * 200;

/** The items' codes: the reads that fit, then RESULTS_TOO_LARGE for every read past the budget. */
function assertBounded(items: ExagoItem[], answerChars: number): void {
  assert.ok(answerChars <= MAX_RESULT_BYTES + ENVELOPE_SLACK, `the answer holds ${answerChars} characters of JSON`);
  const codes = items.map((item) => item.ResponseContent?.code ?? item.ReturnCode);
  // The write and each read answer 12000-odd characters of JSON: four reads fit beside the write in 64 KiB.
  assert.equal(codes.slice(0, 6), ['201', '201', '200', '200', '200', '200']);
  assert.equal(codes.slice(6), new Array(16).fill('RESULTS_TOO_LARGE'));
}

test('direct: a batch whose results hold control characters answers within maxResultBytes, counted as JSON writes them; the reads past it answer 507 RESULTS_TOO_LARGE', async () => {
  const { call } = exagoEngine({}, { limits: { maxResultBytes: MAX_RESULT_BYTES } });
  const res = await call({ url: '/rest/batch', body: ESCAPING_BATCH });
  assert.is(res.status, 200);
  assertBounded(res.body as ExagoItem[], JSON.stringify(res.body).length);
});

test('http: a batch whose results hold control characters answers within maxResultBytes, counted as JSON writes them; the reads past it answer 507 RESULTS_TOO_LARGE', async () => {
  const { engine } = exagoEngine({}, { limits: { maxResultBytes: MAX_RESULT_BYTES } });
  const server = await listen(createHttpHandler(engine));
  try {
    const res = await fetch(`${server.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ESCAPING_BATCH),
    });
    assert.is(res.status, 200);
    const text = await res.text();
    assertBounded(JSON.parse(text) as ExagoItem[], text.length);
  } finally {
    await server.close();
  }
});

/** A result of `kb` KiB of control characters: `kb * 1024 * 6 + 11` characters of JSON. */
const controls = (kb: number) => ({ method: 'GET', url: `Heavy/big/${kb}?char=%01` });

for (const transport of TRANSPORTS) {
  test(`${transport}: results of control characters are charged to maxResultBytes and to the pool of maxResultBytesInFlight as JSON writes them (six characters each)`, async () => {
    const { engine, holds } = inFlightEngine({ maxResultBytes: 60 * KIB, maxResultBytesInFlight: 100 * KIB });
    await withTransport(transport, engine, async (send) => {
      // 10 KiB of control characters are 60 KiB of JSON: over a batch's 60 KiB.
      const over = await send({ requests: [controls(10)] });
      assert.is(over[0]!.status, 507);
      assert.is(over[0]!.error?.code, 'RESULTS_TOO_LARGE');
      // Held while the batch waits: the pool counts the six characters of each.
      const first = send({ requests: [controls(8), held('a')] });
      await holds.started('a');
      assert.is(engine.resultBytesInFlight, 8 * KIB * 6 + 11);
      // 48 KiB of the pool's 100 are held: another 8 KiB of control characters do not fit beside them.
      const second = await send({ requests: [controls(9)] });
      assert.is(second[0]!.status, 503);
      assert.is(second[0]!.error?.code, 'RESULTS_BUSY');
      holds.release('a');
      assert.equal(
        (await first).map((item) => item.status),
        [200, 201],
      );
    });
  });
}

test('a session counts its values as JSON writes them: a value of control characters past maxSessionBytes answers 507 SESSION_FULL', async () => {
  const store = new MemorySessionStore({ maxSessionBytes: 3000 });
  const { call } = exagoEngine({}, { store });
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      // 600 characters, 3600 of JSON: over the cap.
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'C', Value: CONTROL.repeat(600) } },
      // 600 plain characters fit.
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', Value: 'p'.repeat(600) } },
    ],
  });
  const items = res.body as ExagoItem[];
  assert.equal(
    items.map((item) => item.ResponseContent?.code ?? item.ReturnCode),
    ['201', 'SESSION_FULL', '201'],
  );
});

test('snapshot().size is the length of JSON.stringify of the value, escapes included, for plain and frozen data alike', () => {
  const strings = [
    'plain',
    'quote " and \\',
    'tab\tline\nend\r',
    '\b\f',
    '\u0000\u0001\u001f',
    'é€😀',
    '\ud800 lone',
    'lone \udc00',
    '\u2028\u007f',
  ];
  const long = strings.join('').repeat(5);
  const value = {
    strings,
    long,
    nested: [{ [long]: long, 'key\u0001': 1, 'k"': null, plain: true }],
    [CONTROL]: { deeper: [CONTROL.repeat(40), '"'.repeat(40)] },
  };
  const expected = JSON.stringify(value).length;
  assert.is(snapshot(value).size, expected);
  assert.is(snapshot(JSON.parse(JSON.stringify(value))).size, expected);
  const frozen = JSON.parse(JSON.stringify(value), (_key, member) => Object.freeze(member));
  assert.is(snapshot(frozen).size, expected);
  for (const text of [...strings, long, CONTROL.repeat(17)])
    assert.is(snapshot(text).size, JSON.stringify(text).length, JSON.stringify(text));
});

test('a large deeply frozen value shared by many results is walked once per engine, and each result is still charged its escaped size', async () => {
  // What a store hands out is deeply frozen: the result shares it, and counting its escapes reads
  // every character. The engine remembers the size of a large one, so a 64 KiB session value read
  // back 300 times (the abuse bench's "WS 100 clients never read") is read once, not 300 times.
  let reads = 0;
  const target = Object.freeze({ value: CONTROL.repeat(2000) });
  const shared = new Proxy(target, {
    get(object, key, receiver) {
      if (key === 'value') reads++;
      return Reflect.get(object, key, receiver);
    },
  });
  const resource: ResourceHandler = { name: 'Shared', routes: [{ method: 'GET', path: '', handle: () => shared }] };
  // 12011 characters of JSON each: five fit in 64 KiB, the sixth is over.
  const engine = createEngine({
    apis: [{ base: '/api', resources: [resource], batch: [{ path: 'batch', dialect: guidewireDialect() }] }],
    limits: { maxResultBytes: MAX_RESULT_BYTES },
  });
  const send = async (count: number) => {
    const res = await engine.inject({
      url: '/api/batch',
      body: { requests: Array.from({ length: count }, () => ({ method: 'get', path: '/Shared' })) },
    });
    assert.is(res.status, 200, res.body);
    return (res.json() as { responses: { status: number; body?: { value: string } }[] }).responses;
  };
  assert.equal(
    (await send(1)).map((item) => item.status),
    [200],
  );
  // Once to measure it, once to write it.
  assert.is(reads, 2);
  const items = await send(6);
  assert.equal(
    items.map((item) => item.status),
    [200, 200, 200, 200, 200, 507],
  );
  assert.is(items[4]!.body?.value, target.value);
  // Once per item written (JSON.stringify reads it), never again to measure: the size was remembered.
  assert.is(reads, 2 + 5);
});

test.run();
