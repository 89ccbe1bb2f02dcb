import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/$batch';
const GET = { id: '1', method: 'GET', url: '/claims/cc:22' };

/** Bad envelopes, each with the status, code and words its rejection must carry. */
const BAD: Array<[string, unknown, string, RegExp]> = [
  ['a body that is an array', [GET], 'BATCH_MALFORMED', /the body must be an object/],
  ['requests that is not an array', { requests: GET }, 'BATCH_MALFORMED', /requests must be an array/],
  ['an unknown top-level field', { requests: [GET], atomic: true }, 'BATCH_MALFORMED', /unknown field "atomic"/],
  ['a request without an id', { requests: [GET, { method: 'GET', url: '/claims' }] }, 'BATCH_MALFORMED', /requests\/1: id is required/],
  ['a numeric id', { requests: [{ ...GET, id: 1 }] }, 'BATCH_MALFORMED', /requests\/0: id is required/],
  ['an unknown method', { requests: [{ ...GET, method: 'HEAD' }] }, 'BATCH_MALFORMED', /method must be one of/],
  ['a request without a url', { requests: [{ id: '1', method: 'GET' }] }, 'BATCH_MALFORMED', /url is required/],
  [
    'an id used twice in another case (Graph: ids are case-insensitive)',
    {
      requests: [
        { ...GET, id: 'A' },
        { ...GET, id: 'a' },
      ],
    },
    'BATCH_RULE_VIOLATION',
    /"a" is used twice/,
  ],
  [
    'an id equal to an atomicity group (§19.1)',
    {
      requests: [
        { ...GET, atomicityGroup: 'g' },
        { ...GET, id: 'g' },
      ],
    },
    'BATCH_RULE_VIOLATION',
    /is the name of atomicity group "g"/,
  ],
  [
    'headers given as an array',
    { requests: [{ ...GET, headers: [{ name: 'a', value: 'b' }] }] },
    'BATCH_MALFORMED',
    /headers must be an object/,
  ],
  [
    'a header with a number value',
    { requests: [{ ...GET, headers: { 'x-a': 1 } }] },
    'BATCH_MALFORMED',
    /header "x-a" must have a string value/,
  ],
  [
    'dependsOn given as a string',
    { requests: [GET, { ...GET, id: '2', dependsOn: '1' }] },
    'BATCH_MALFORMED',
    /dependsOn must be an array/,
  ],
  ['an unknown request field', { requests: [{ ...GET, when: 'true' }] }, 'BATCH_MALFORMED', /unknown field "when"/],
  [
    'an empty atomicityGroup',
    { requests: [{ ...GET, atomicityGroup: '' }] },
    'BATCH_MALFORMED',
    /atomicityGroup must be a non-empty string/,
  ],
  ['dependsOn an unknown id', { requests: [GET, { ...GET, id: '2', dependsOn: ['9'] }] }, 'BATCH_RULE_VIOLATION', /depends on "9"/],
  [
    'an atomicity group split in two runs',
    {
      requests: [
        { ...GET, atomicityGroup: 'g' },
        { ...GET, id: '2' },
        { ...GET, id: '3', atomicityGroup: 'g' },
      ],
    },
    'BATCH_RULE_VIOLATION',
    /one contiguous run/,
  ],
];

for (const [what, body, code, reason] of BAD) {
  eachTransport(test, `${what} is rejected whole with 400 ${code} in the OData error shape`, async ({ call }) => {
    // A good request rides along at the end: a rejected batch must not run it.
    const create = { id: 'zz', method: 'POST', url: '/claims/cc:22/notes', body: { data: { attributes: { body: 'must not run' } } } };
    const requests = (body as { requests?: unknown }).requests;
    const rejected = await call({
      url: BATCH,
      body: Array.isArray(requests) && requests.length > 0 ? { ...(body as object), requests: [...requests, create] } : body,
    });
    assert.is(rejected.status, 400);
    const { error } = rejected.body as { error: { code: string; message: string } };
    assert.is(error.code, code);
    assert.match(error.message, reason);
    assert.equal(Object.keys(rejected.body as object), ['error']);
    const notes = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' });
    assert.is((notes.body as { count: number }).count, 0);
  });
}

eachTransport(test, 'a rejected envelope that also held good requests runs none of them', async ({ call }) => {
  const good = { id: 'n', method: 'POST', url: '/claims/cc:22/notes', body: { data: { attributes: { body: 'must not run' } } } };
  const res = await call({ url: BATCH, body: { requests: [good, { ...good, id: 'm', method: 'FETCH' }] } });
  assert.is(res.status, 400);
  const notes = await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' });
  assert.is((notes.body as { count: number }).count, 0);
});

test.run();
