import { createEngine, exagoApi, REFERENCES_HEADER } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

const engine = () => createEngine({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS })], logger: { error: () => undefined } });
const BATCH = [
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Parameters', Method: 'POST', Payload: { Id: 'Lit', DataType: 'String', Value: 'Costs ${0/status} dollars', PromptText: 'p' } },
];

test('REFERENCES_HEADER is the lower-case header name the engine reads', () => {
  assert.is(REFERENCES_HEADER, 'restbatch-references');
});

test('an Idempotency-Key replays a batch sent with RestBatch-References: none when it is sent the same way', async () => {
  const call = createDirectCaller(engine());
  const headers = { 'idempotency-key': 'k-literal', [REFERENCES_HEADER]: 'none' };
  const first = await call({ url: '/rest/batch', headers, body: BATCH });
  const again = await call({ url: '/rest/batch', headers, body: BATCH });
  assert.is(first.status, 200);
  assert.is(again.status, 200);
  assert.is(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
});

test('the same key and body without RestBatch-References: none is another request (422 IDEMPOTENCY_MISMATCH), and the other way round', async () => {
  const call = createDirectCaller(engine());
  const literal = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k1', [REFERENCES_HEADER]: 'none' }, body: BATCH });
  assert.is(literal.status, 200);
  const resolved = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k1' }, body: BATCH });
  assert.is(resolved.status, 422);
  assert.is((resolved.body as { code?: string }).code, 'IDEMPOTENCY_MISMATCH');

  const plain = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k2' }, body: BATCH });
  assert.is(plain.status, 200);
  const asText = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k2', [REFERENCES_HEADER]: 'none' }, body: BATCH });
  assert.is(asText.status, 422);
});

test('a malformed RestBatch-References is refused before an Idempotency-Key keeps anything: the same key then runs the batch', async () => {
  const call = createDirectCaller(engine());
  const bad = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k3', [REFERENCES_HEADER]: 'yes' }, body: BATCH });
  assert.is(bad.status, 400);
  assert.is((bad.body as { code?: string }).code, 'INVALID_HEADER');
  const good = await call({ url: '/rest/batch', headers: { 'idempotency-key': 'k3', [REFERENCES_HEADER]: 'none' }, body: BATCH });
  assert.is(good.status, 200);
  assert.is(good.headers['idempotent-replayed'], undefined);
});

test('a large batch the direct transport copies (its strings scanned) is taken as written too', async () => {
  const calls: unknown[] = [{ Url: 'Sessions', Method: 'POST' }];
  for (let i = 0; i < 2500; i++) calls.push({ Url: 'Roles', Method: 'GET' });
  calls.push({
    Url: 'Parameters',
    Method: 'POST',
    Payload: { Id: 'Big', DataType: 'String', Value: '${0/status} and ${1/status}', PromptText: 'p' },
  });
  calls.push({ Url: 'Parameters/Big', Method: 'GET' });
  const call = createDirectCaller(engine());
  const res = await call({ url: '/rest/batch', headers: { [REFERENCES_HEADER]: 'none' }, body: calls });
  assert.is(res.status, 200);
  const items = res.body as Array<{ ReturnCode: number; ResponseContent?: { Value?: string } }>;
  assert.is(items.at(-1)!.ResponseContent!.Value, '${0/status} and ${1/status}');
  const resolved = await createDirectCaller(engine())({ url: '/rest/batch', body: calls });
  const read = (resolved.body as typeof items).at(-1)!.ResponseContent!.Value;
  assert.is(read, '201 and 200');
});

test.run();
