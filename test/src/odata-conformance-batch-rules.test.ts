// OData JSON Format 4.01 §19.1 and §19.5 rules a review found broken: atomicity group names that
// differ only in case, a request naming its own group, and the `$<id>` URL prefix (by id only,
// system resources left alone). Each rule through the direct transport and node:http.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CallRequest, type CallResponse, eachTransport } from './support/claim-engine.js';

const BATCH = '/rest/claim/v1/$batch';

interface Item {
  id: string;
  atomicityGroup?: string;
  status: number;
  body?: any;
}

const items = (res: CallResponse): Item[] => (res.body as { responses: Item[] }).responses;
const error = (res: CallResponse) => (res.body as { error: { code: string; message: string } }).error;

async function noteCount(call: (r: CallRequest) => Promise<CallResponse>): Promise<number> {
  return ((await call({ method: 'GET', url: '/rest/claim/v1/claims/cc:22/notes' })).body as { count: number }).count;
}

const note = (id: string, more: object = {}) => ({
  id,
  method: 'post',
  url: 'claims/cc:22/notes',
  body: { data: { attributes: { body: `note ${id}` } } },
  ...more,
});

eachTransport(
  test,
  '§19.1 "These requests are processed as an atomic operation and MUST either all succeed, or all fail": group names that differ only in case reject the batch, nothing runs',
  async ({ call }) => {
    // The reviewer's batch: with "g" and "G" two groups to the executor but one to dependsOn, c ran though its group failed.
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'a', atomicityGroup: 'g', method: 'get', url: 'claims/nope' },
          note('b', { atomicityGroup: 'G' }),
          note('c', { dependsOn: ['g'] }),
        ],
      },
    });
    assert.is(res.status, 400);
    assert.is(error(res).code, 'BATCH_RULE_VIOLATION');
    assert.match(error(res).message, /request "b": atomicityGroup "G" differs only in case from group "g"/);
    assert.is(await noteCount(call), 0);
  },
);

eachTransport(
  test,
  '§19.1 atomicityGroup "MUST NOT be identical to any value of id": a group named as an earlier id in another case rejects the batch',
  async ({ call }) => {
    const res = await call({ url: BATCH, body: { requests: [note('G'), note('a', { atomicityGroup: 'g' })] } });
    assert.is(res.status, 400);
    assert.is(error(res).code, 'BATCH_RULE_VIOLATION');
    assert.match(error(res).message, /atomicityGroup "g" is the id of request "G"/);
    assert.is(await noteCount(call), 0);
  },
);

eachTransport(test, '§19.1 an `if` on a group spelled in another case cannot run past its failed group either', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { id: 'a', atomicityGroup: 'g', method: 'get', url: 'claims/nope' },
        note('b', { atomicityGroup: 'G' }),
        note('c', { dependsOn: ['g'], if: '$g/$succeeded' }),
      ],
    },
  });
  assert.is(res.status, 400);
  assert.is(error(res).code, 'BATCH_RULE_VIOLATION');
  assert.is(await noteCount(call), 0);
});

eachTransport(
  test,
  '§19.5 "it MUST also be present in the response object with the same value": one group in one spelling is echoed as written and found by dependsOn in any case',
  async ({ call }) => {
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'a', atomicityGroup: 'Grp', method: 'get', url: 'claims/nope' },
          note('b', { atomicityGroup: 'Grp' }),
          note('c', { dependsOn: ['grp'] }),
        ],
      },
    });
    assert.is(res.status, 200);
    assert.equal(
      items(res).map((r) => [r.id, r.atomicityGroup, r.status]),
      [
        ['a', 'Grp', 404],
        ['b', 'Grp', 424],
        ['c', undefined, 424],
      ],
    );
    assert.is(await noteCount(call), 0);
  },
);

for (const [label, more] of [
  ['dependsOn', { dependsOn: ['g'] }],
  ['dependsOn, in another case', { dependsOn: ['G'] }],
  ['if', { if: '$g/$succeeded' }],
] as const) {
  eachTransport(
    test,
    `§19.1 dependsOn "MUST be values of either id or atomicityGroup of preceding request objects": a request naming its own group in ${label} rejects the batch`,
    async ({ call }) => {
      for (const requests of [
        // Its group's second member (accepted before the fix) and its first.
        [note('a', { atomicityGroup: 'g' }), note('b', { atomicityGroup: 'g', ...more })],
        [note('a', { atomicityGroup: 'g', ...more }), note('b', { atomicityGroup: 'g' })],
      ]) {
        const res = await call({ url: BATCH, body: { requests } });
        assert.is(res.status, 400, JSON.stringify(requests));
        assert.is(error(res).code, 'BATCH_RULE_VIOLATION');
        assert.match(error(res).message, /is this request's own atomicity group/);
      }
      assert.is(await noteCount(call), 0);
    },
  );
}

eachTransport(
  test,
  '§19.1 "not identical to the name of a top-level system resource": $metadata is no reference, even with a request whose id is metadata',
  async ({ call }) => {
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'metadata', method: 'get', url: 'claims/cc:22' },
          { id: 'm', dependsOn: ['metadata'], method: 'get', url: '$metadata' },
        ],
      },
    });
    assert.is(res.status, 200);
    const [first, second] = items(res);
    assert.is(first!.status, 200);
    // The claim API serves no $metadata: the segment is read as written and names no route.
    assert.is(second!.status, 404);
  },
);

eachTransport(
  test,
  '§19.1 "a preceding request whose id value is identical to the value of the first segment": $0 with ids a and b names no request (not the first by position)',
  async ({ call }) => {
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'a', method: 'get', url: 'claims/cc:22' },
          { id: 'b', method: 'get', url: '$0/notes' },
        ],
      },
    });
    assert.is(res.status, 200);
    assert.equal(
      items(res).map((r) => r.status),
      [200, 404],
    );
  },
);

eachTransport(test, '§19.1 a $<id> URL prefix still names the request with that id, wherever it stands', async ({ call }) => {
  const res = await call({
    url: BATCH,
    body: {
      requests: [
        { id: '1', method: 'get', url: 'claims/cc:404' },
        { id: '0', method: 'get', url: 'claims/cc:22' },
        note('2', { dependsOn: ['0'], url: '$0/notes' }),
      ],
    },
  });
  assert.equal(
    items(res).map((r) => r.status),
    [404, 200, 201],
  );
  assert.is(await noteCount(call), 1);
});

eachTransport(
  test,
  'a $<id> URL prefix names its request in any case, as dependsOn does (ids are case-insensitive, docs/dialects.md)',
  async ({ call }) => {
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'Claim', method: 'get', url: 'claims/cc:22' },
          note('n', { dependsOn: ['CLAIM'], url: '$claim/notes' }),
          // A system resource's name is never a reference, whatever the ids (§19.1).
          { id: 'METADATA', method: 'get', url: 'claims/cc:22' },
          { id: 'm', method: 'get', url: '$metadata' },
        ],
      },
    });
    assert.is(res.status, 200);
    assert.equal(
      items(res).map((r) => r.status),
      [200, 201, 200, 404],
    );
    assert.is(await noteCount(call), 1);
  },
);

eachTransport(test, 'a $<id> URL prefix naming its own request in another case is refused, as in the same case', async ({ call }) => {
  for (const url of ['$a/notes', '$A/notes']) {
    const res = await call({ url: BATCH, body: { requests: [{ id: 'a', method: 'get', url }] } });
    assert.is(res.status, 400, url);
    assert.is((res.body as { error: { code: string } }).error.code, 'REFERENCE_INVALID', url);
  }
});

eachTransport(
  test,
  '§19.3 "if-match": "$0" with ids a and b names no request: the header is sent as written, not the ETag of the first request',
  async ({ call }) => {
    const res = await call({
      url: BATCH,
      body: {
        requests: [
          { id: 'a', method: 'get', url: 'claims/cc:22' },
          {
            id: 'b',
            method: 'patch',
            url: 'claims/cc:22',
            headers: { 'if-match': '$0' },
            body: { data: { attributes: { lossCause: 'hail' } } },
          },
        ],
      },
    });
    assert.is(res.status, 200);
    const [, patch] = items(res);
    assert.is(patch!.status, 412);
    assert.is(patch!.body.errorCode, 'PRECONDITION_FAILED');
  },
);

test.run();
