// OData JSON 4.01 §19.1: "The request object and the headers object MUST NOT contain name/value
// pairs with duplicate names". Header names are case-insensitive (RFC 9110 §5.1), so a headers
// object with `if-match` and `If-Match` names one header twice; it used to keep the last and drop
// the other silently (an ETag reference `$1` among them). It is now refused whole, as every other
// malformed request object is (400 BATCH_MALFORMED, nothing runs). Guidewire's headers are a list
// of {name, value}, where a repeated name is a repeated field line: its values join as HTTP does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport } from './support/claim-engine.js';

const ODATA = '/rest/claim/v1/$batch';
const V401 = { 'OData-Version': '4.01' };

type OdataError = { error: { code: string; message: string; details?: Array<{ target: string }> } };

const note = (id: string) => ({ id, method: 'post', url: 'claims/cc:22/notes', body: { data: { attributes: { body: `note ${id}` } } } });

for (const [label, headers, names] of [
  ['if-match and If-Match (an ETag reference and a literal tag)', { 'if-match': '$1', 'If-Match': '"999"' }, ['if-match', 'If-Match']],
  [
    'Content-Type and content-type',
    { 'Content-Type': 'application/json', 'content-type': 'application/json' },
    ['Content-Type', 'content-type'],
  ],
  ['three spellings of x-tenant', { 'x-tenant': 'a', 'X-Tenant': 'b', 'X-TENANT': 'c' }, ['x-tenant', 'X-Tenant']],
] as const) {
  eachTransport(
    test,
    `§19.1 "the headers object MUST NOT contain name/value pairs with duplicate names": ${label} refuses the batch 400 BATCH_MALFORMED, nothing runs`,
    async ({ call }) => {
      const res = await call({
        url: ODATA,
        headers: V401,
        body: {
          requests: [
            { id: '1', method: 'get', url: 'claims/cc:22' },
            { ...note('2'), dependsOn: ['1'], headers },
          ],
        },
      });
      assert.is(res.status, 400);
      const { error } = res.body as OdataError;
      assert.is(error.code, 'BATCH_MALFORMED');
      assert.is(
        error.message,
        `Invalid batch request: request "2": headers ${JSON.stringify(names[0])} and ${JSON.stringify(names[1])} name the same header (header names are case-insensitive); send it once`,
      );
      assert.is(error.details?.[0]?.target, 'requests/1');
      const notes = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' });
      assert.is((notes.body as { count: number }).count, 0);
    },
  );
}

eachTransport(test, '§19.1: one spelling of each header name is taken as before (names lower-cased for the handler)', async ({ call }) => {
  const res = await call({
    url: '/rest/echo/v1/$batch',
    headers: V401,
    body: { requests: [{ id: '1', method: 'get', url: 'echo/a', headers: { 'X-Tenant': 't1', 'x-other': 'o' } }] },
  });
  assert.is(res.status, 200);
  const [item] = (res.body as { responses: Array<{ body: { headers: Record<string, string> } }> }).responses;
  assert.is(item?.body.headers['x-tenant'], 't1');
  assert.is(item?.body.headers['x-other'], 'o');
});

eachTransport(
  test,
  'Guidewire: a name repeated in any case in the headers list joins its values, as repeated HTTP field lines do; none is dropped',
  async ({ call }) => {
    const res = await call({
      url: '/rest/echo/v1/batch',
      body: {
        requests: [
          {
            method: 'get',
            path: '/echo/a',
            headers: [
              { name: 'X-Tenant', value: 'a' },
              { name: 'x-tenant', value: 'b' },
            ],
          },
        ],
      },
    });
    assert.is(res.status, 200);
    const [item] = (res.body as { responses: Array<{ body: { headers: Record<string, string> } }> }).responses;
    assert.is(item?.body.headers['x-tenant'], 'a, b');
  },
);

test.run();
