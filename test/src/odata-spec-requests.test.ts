// OData JSON Format 4.01 §19.1-19.4 (Batch Request, Referencing an ETag, Processing a Batch Request)
// and Microsoft Graph JSON batching, each rule with the spec's or vendor's example adapted to the
// example claim API, through node:http and @restbatch/http.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missing, note, noteCount, overHttp, post, send } from './support/odata-http.js';

const statuses = (body: any) => body.responses.map((r: any) => [r.id, r.status]);

overHttp(
  test,
  '§19.4 "If the preference continue-on-error is not specified ... all requests are processed": Graph\'s example, 2 and 3 fail, 4 and 5 succeed',
  async (h) => {
    const res = await post(h, {
      requests: [
        { id: '1', method: 'GET', url: '/claims/cc:22' },
        missing('2'),
        { id: '3', method: 'GET', url: '/claims/cc:22/notes/cc:404' },
        {
          id: '4',
          method: 'PATCH',
          url: '/claims/cc:22',
          headers: { 'Content-Type': 'application/json' },
          body: { data: { attributes: { lossCause: 'hail' } } },
        },
        { id: '5', method: 'GET', url: 'claims?pageSize=1' },
      ],
    });
    assert.is(res.status, 200);
    assert.equal(statuses(res.body), [
      ['1', 200],
      ['2', 404],
      ['3', 404],
      ['4', 200],
      ['5', 200],
    ]);
    assert.is(res.body.responses[3].body.data.attributes.lossCause, 'hail');
  },
);

overHttp(
  test,
  '§19.4 "Clients ... MAY specify the preference continue-on-error=false": the batch stops at the first failure',
  async (h) => {
    const res = await post(h, { requests: [missing('1'), note('2')] }, { Prefer: 'continue-on-error=false' });
    assert.equal(statuses(res.body), [
      ['1', 404],
      ['2', 424],
    ]);
    assert.is(res.body.responses[1].body.errorCode, 'SKIPPED');
    assert.is(await noteCount(h), 0);
  },
);

overHttp(test, '§19.1 "The URL MAY be an absolute path": a path that starts with the API base addresses the resource', async (h) => {
  const res = await post(h, {
    requests: [
      { id: '0', method: 'get', url: '/rest/claim/v1/claims/cc:22' },
      { id: '1', method: 'get', url: '/rest/claim/v1/claims?pageSize=1' },
    ],
  });
  assert.equal(statuses(res.body), [
    ['0', 200],
    ['1', 200],
  ]);
  assert.is(res.body.responses[0].body.data.id, 'cc:22');
  assert.is(res.body.responses[1].body.count, 1);
});

overHttp(
  test,
  '§19.1 relative paths resolve against the service root, and Graph-style absolute paths (/claims) against the API',
  async (h) => {
    const res = await post(h, {
      requests: [
        { id: 'a', method: 'get', url: 'claims/cc:22' },
        { id: 'b', method: 'get', url: '/claims/cc:22' },
      ],
    });
    assert.equal(statuses(res.body), [
      ['a', 200],
      ['b', 200],
    ]);
  },
);

overHttp(test, "§19.1 an absolute URI of the batch request's own origin (its Host) addresses the resource", async (h) => {
  const res = await post(h, { requests: [{ id: '1', method: 'get', url: `${h.url}/rest/claim/v1/claims/cc:22?fields=id` }] });
  assert.equal(statuses(res.body), [['1', 200]]);
  assert.is(res.body.responses[0].body.data.id, 'cc:22');
});

overHttp(test, 'an absolute URI of another origin, or outside the API, fails that request alone with 400 URL_OUTSIDE_API', async (h) => {
  const res = await post(h, {
    requests: [
      {
        id: 'evil',
        method: 'post',
        url: 'https://evil.example/rest/claim/v1/claims/cc:22/notes',
        body: { data: { attributes: { body: 'x' } } },
      },
      { id: 'other', method: 'get', url: `${h.url}/rest/echo/v1/echo/a` },
      { id: 'net', method: 'get', url: '//evil.example/rest/claim/v1/claims' },
      note('ok'),
    ],
  });
  assert.is(res.status, 200);
  assert.equal(statuses(res.body), [
    ['evil', 400],
    ['other', 400],
    ['net', 400],
    ['ok', 201],
  ]);
  assert.is(res.body.responses[0].body.errorCode, 'URL_OUTSIDE_API');
  assert.match(res.body.responses[0].body.userMessage, /Request "evil": url names another origin \(evil\.example\)/);
  assert.match(res.body.responses[1].body.userMessage, /outside the API at \/rest\/claim\/v1/);
  assert.is(await noteCount(h), 1);
});

overHttp(
  test,
  '§19.1 if "$<id>/$succeeded": a request whose condition is false is not executed (412 CONDITION_FALSE, skipped)',
  async (h) => {
    const res = await post(h, {
      requests: [missing('1'), note('2', { dependsOn: ['1'], if: '$1/$succeeded' }), note('3', { if: '$2/$succeeded' })],
    });
    assert.equal(statuses(res.body), [
      ['1', 404],
      ['2', 412],
      ['3', 412],
    ]);
    assert.is(res.body.responses[1].body.errorCode, 'CONDITION_FALSE');
    assert.match(res.body.responses[1].body.userMessage, /sub-request 2 runs only if 1 succeeded/);
    assert.equal(res.body['@restbatch.summary'], { succeeded: 0, failed: 1, skipped: 2 });
    assert.is(await noteCount(h), 0);
  },
);

overHttp(
  test,
  '§19.1 if "not $<id>/$succeeded" replaces the dependsOn rule: a compensating request runs only after a failure',
  async (h) => {
    const res = await post(h, {
      requests: [
        missing('get'),
        note('compensate', { dependsOn: ['get'], if: 'not $get/$succeeded' }),
        { id: 'ok', method: 'get', url: 'claims/cc:22' },
        note('never', { dependsOn: ['ok'], if: 'not $ok/$succeeded and $get/$succeeded' }),
      ],
    });
    assert.equal(statuses(res.body), [
      ['get', 404],
      ['compensate', 201],
      ['ok', 200],
      ['never', 412],
    ]);
    assert.is(await noteCount(h), 1);
  },
);

overHttp(test, '§19.1 if may name an atomicity group: "$group1/$succeeded"', async (h) => {
  const res = await post(h, {
    requests: [
      note('1', { atomicityGroup: 'group1' }),
      note('2', { atomicityGroup: 'group1' }),
      note('3', { dependsOn: ['group1'], if: '$group1/$succeeded' }),
    ],
  });
  assert.equal(statuses(res.body), [
    ['1', 201],
    ['2', 201],
    ['3', 201],
  ]);
});

overHttp(
  test,
  '§19.1 "If a service does not support request dependencies, the dependent request MUST fail with 424": only that request',
  async (h) => {
    const res = await post(h, {
      requests: [
        { id: '1', method: 'get', url: 'claims/cc:22' },
        note('2', { dependsOn: ['1'], if: "$1/body/data/id eq 'cc:22'" }),
        note('3'),
      ],
    });
    assert.is(res.status, 200);
    assert.equal(statuses(res.body), [
      ['1', 200],
      ['2', 424],
      ['3', 201],
    ]);
    assert.is(res.body.responses[1].body.errorCode, 'CONDITION_UNSUPPORTED');
    assert.is(await noteCount(h), 1);
  },
);

overHttp(test, '§19.1 an unsupported if inside an atomicity group fails all requests in that group, with no changes applied', async (h) => {
  const res = await post(h, { requests: [note('1', { atomicityGroup: 'g' }), note('2', { atomicityGroup: 'g', if: 'true' }), note('3')] });
  assert.equal(statuses(res.body), [
    ['1', 424],
    ['2', 424],
    ['3', 201],
  ]);
  assert.equal(
    res.body.responses.map((r: any) => r.body.errorCode ?? null),
    ['ROLLED_BACK', 'CONDITION_UNSUPPORTED', null],
  );
  assert.is(await noteCount(h), 1);
});

overHttp(test, '§19.1 an if that names a later request rejects the batch like a forward dependsOn', async (h) => {
  const res = await post(h, { requests: [note('1', { if: '$2/$succeeded' }), note('2')] });
  assert.is(res.status, 400);
  assert.is(res.body.error.code, 'BATCH_RULE_VIOLATION');
  assert.is(await noteCount(h), 0);
});

overHttp(test, 'Graph: ids are case-insensitive, so "A" and "a" are a duplicate and the batch fails with 400', async (h) => {
  const res = await post(h, { requests: [note('A'), note('a')] });
  assert.is(res.status, 400);
  assert.is(res.body.error.code, 'BATCH_RULE_VIOLATION');
  assert.match(res.body.error.message, /request "a": Sub-request id "a" is used twice \(ids are case-insensitive: "A" came first\)/);
  assert.is(await noteCount(h), 0);
});

overHttp(test, 'Graph: dependsOn finds its id whatever the case', async (h) => {
  const res = await post(h, { requests: [missing('First'), note('2', { dependsOn: ['first'] })] });
  assert.equal(statuses(res.body), [
    ['First', 404],
    ['2', 424],
  ]);
  assert.match(res.body.responses[1].body.userMessage, /depends on First/);
});

overHttp(test, '§19.1 an id "MUST NOT be identical to ... any atomicityGroup": the batch fails with 400 in either order', async (h) => {
  for (const requests of [
    [note('1', { atomicityGroup: 'g' }), note('g')],
    [note('g'), note('2', { atomicityGroup: 'g' })],
  ]) {
    const res = await post(h, { requests });
    assert.is(res.status, 400);
    assert.is(res.body.error.code, 'BATCH_RULE_VIOLATION');
  }
  assert.is(await noteCount(h), 0);
});

overHttp(test, '§19.1 the batch "MAY contain annotations": "@Core.Description" next to requests is ignored', async (h) => {
  const res = await post(h, { '@Core.Description': 'Add a note to cc:22', requests: [note('1')] });
  assert.is(res.status, 200);
  assert.equal(statuses(res.body), [['1', 201]]);
});

overHttp(test, '§19.1 "The value of body can be null, which is equivalent to not specifying" it', async (h) => {
  const res = await post(h, { requests: [{ id: '1', method: 'get', url: 'claims/cc:22', body: null }] });
  assert.equal(statuses(res.body), [['1', 200]]);
});

overHttp(
  test,
  'Isolation: snapshot, or OData-Isolation as OData 4.0 named it (OData 4.01 Protocol §8.2.6) is refused with 412 ISOLATION_UNSUPPORTED; nothing runs',
  async (h) => {
    for (const name of ['Isolation', 'OData-Isolation']) {
      const res = await post(h, { requests: [note('1')] }, { [name]: 'snapshot', 'OData-Version': '4.01' });
      assert.is(res.status, 412);
      assert.is(res.body.error.code, 'ISOLATION_UNSUPPORTED');
    }
    assert.is(await noteCount(h), 0);
  },
);

overHttp(test, '§19.3 "if-match": "$1" is the ETag of request 1: the update goes ahead only if the claim has not changed', async (h) => {
  const patch = (id: string) => ({
    id,
    dependsOn: ['1'],
    method: 'patch',
    url: 'claims/cc:22',
    headers: { 'if-match': '$1' },
    body: { data: { attributes: { lossCause: `cause ${id}` } } },
  });
  const res = await post(h, {
    requests: [{ id: '1', method: 'get', url: 'claims/cc:22', headers: { accept: 'application/json' } }, patch('2'), patch('3')],
  });
  // 2 changes the claim, so 1's ETag is stale for 3.
  assert.equal(statuses(res.body), [
    ['1', 200],
    ['2', 200],
    ['3', 412],
  ]);
  assert.is(res.body.responses[2].body.errorCode, 'PRECONDITION_FAILED');
  const claim = await send(h, 'GET', '/rest/claim/v1/claims/cc:22');
  assert.is(claim.body.data.attributes.lossCause, 'cause 2');
});

overHttp(test, 'the claim API exposes its checksum as ETag and honours If-Match outside a batch (412 on a mismatch)', async (h) => {
  const claim = await send(h, 'GET', '/rest/claim/v1/claims/cc:22');
  assert.is(claim.headers.etag, `"${claim.body.data.checksum}"`);
  const body = { data: { attributes: { lossCause: 'flood' } } };
  const ok = await send(h, 'PATCH', '/rest/claim/v1/claims/cc:22', body, { 'If-Match': claim.headers.etag! });
  assert.is(ok.status, 200);
  assert.is.not(ok.headers.etag, claim.headers.etag);
  const stale = await send(h, 'PATCH', '/rest/claim/v1/claims/cc:22', body, { 'If-Match': claim.headers.etag! });
  assert.is(stale.status, 412);
  assert.is(stale.body.errorCode, 'PRECONDITION_FAILED');
  assert.is((await send(h, 'PATCH', '/rest/claim/v1/claims/cc:22', body, { 'If-Match': '*' })).status, 200);
});

overHttp(test, 'an ETag reference to a request that failed is not executed (424 DEPENDENCY_FAILED)', async (h) => {
  const res = await post(h, {
    requests: [
      missing('1'),
      { id: '2', method: 'patch', url: 'claims/cc:22', headers: { 'If-Match': '$1' }, body: { data: { attributes: {} } } },
    ],
  });
  assert.equal(statuses(res.body), [
    ['1', 404],
    ['2', 424],
  ]);
  assert.is(res.body.responses[1].body.errorCode, 'DEPENDENCY_FAILED');
});

test.run();
