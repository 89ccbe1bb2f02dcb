import * as assert from 'uvu/assert';
import { exampleParityEngine, type ParityCase } from './parity-transports.js';

const BATCH = '/rest/claim/v1/batch';
const engine = exampleParityEngine;
const SEED_PATH = '/claims/cc:22/activities/cc:55';

interface GwAnswer {
  responses: Array<{ status: number; body?: { errorCode?: string; data?: { id: string; checksum: string } } }>;
  summary: { succeeded: number; failed: number; skipped: number };
}
const gw = (body: unknown) => body as GwAnswer;
const statuses = (body: unknown) => gw(body).responses.map((r) => r.status);
const errorCodes = (body: unknown) => gw(body).responses.map((r) => r.body?.errorCode ?? null);
/** The error code of a batch rejected whole, in the vendor's error shape. */
const rejected = (body: unknown) => (body as { errorCode: string }).errorCode;
const get = (path: string, more: object = {}) => ({ method: 'get', path, ...more });

/** Guidewire `POST /rest/claim/v1/batch` of the example claim API: successes, failures and bad inputs. */
export const guidewireParityCases: ParityCase[] = [
  {
    name: "Guidewire: the seed's path /claims/cc:22/activities/cc:55",
    engine,
    url: BATCH,
    body: { requests: [get(SEED_PATH)] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [200]);
      assert.is(gw(b).responses[0]!.body!.data!.id, 'cc:55');
      assert.equal(gw(b).summary, { succeeded: 1, failed: 0, skipped: 0 });
    },
  },
  {
    name: 'Guidewire: a POST then a PATCH of the new claim with its checksum',
    engine,
    url: BATCH,
    body: {
      requests: [
        { method: 'post', path: '/claims', data: { attributes: { description: 'Hail on the roof' } } },
        {
          method: 'patch',
          path: '/claims/cc:100',
          data: { attributes: { lossCause: 'hail' } },
          headers: [{ name: 'GW-Checksum', value: '0' }],
        },
        get('/claims/cc:100'),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [201, 200, 200]);
      assert.is(gw(b).responses[2]!.body!.data!.checksum, '1');
      assert.equal(gw(b).summary, { succeeded: 3, failed: 0, skipped: 0 });
    },
  },
  {
    name: 'Guidewire: a sub-request whose own Content-Type is not JSON answers 415 in its slot, as alone, and the rest still run',
    engine,
    url: BATCH,
    body: {
      requests: [
        {
          method: 'post',
          path: '/claims',
          data: { attributes: { description: 'Sent as XML' } },
          headers: [{ name: 'Content-Type', value: 'application/xml' }],
        },
        {
          method: 'post',
          path: '/claims',
          data: { attributes: { description: 'Sent as JSON' } },
          headers: [{ name: 'content-type', value: 'application/json; charset=utf-8' }],
        },
        get(SEED_PATH),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [415, 201, 200]);
      assert.equal(errorCodes(b), ['UNSUPPORTED_MEDIA_TYPE', null, null]);
      assert.equal(gw(b).summary, { succeeded: 2, failed: 1, skipped: 0 });
    },
  },
  {
    name: 'Guidewire: a PATCH with a stale checksum answers 409 and the rest still run',
    engine,
    url: BATCH,
    body: {
      requests: [
        {
          method: 'patch',
          path: '/claims/cc:22',
          data: { attributes: { lossCause: 'hail' } },
          headers: [{ name: 'GW-Checksum', value: '7' }],
        },
        get('/claims/cc:22'),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [409, 200]);
      assert.equal(errorCodes(b), ['CONFLICT', null]);
      assert.equal(gw(b).summary, { succeeded: 1, failed: 1, skipped: 0 });
    },
  },
  {
    // Seed: "each subrequest inherits the information in the headers of the main request object. The
    // one exception to this is the GW-Checksum header": not inherited, and (restbatch) never ignored.
    name: 'Guidewire: an outer GW-Checksum is not inherited and the batch runs ("The one exception to this is the GW-Checksum header. This header is not inherited")',
    engine,
    url: BATCH,
    headers: { 'GW-Checksum': '7' },
    body: { requests: [get('/claims/cc:22')] },
    status: 200,
    check: (b) => {
      assert.equal(
        (b as { responses: Array<{ status: number }> }).responses.map((r) => r.status),
        [200],
      );
    },
  },
  {
    name: 'Guidewire: a query with a # (a fragment is no part of a query) is refused whole, as a path with one is',
    engine,
    url: BATCH,
    body: { requests: [get('/claims/cc:22/notes', { query: 'pageSize=1#x&pageSize=2' })] },
    status: 400,
    check: (b) => {
      assert.is(rejected(b), 'BATCH_MALFORMED');
      assert.match((b as { userMessage: string }).userMessage, 'requests/0/query is the query string');
    },
  },
  {
    name: 'Guidewire: an outer If-Match, which sub-requests do not inherit, refuses the batch whole (it is never ignored)',
    engine,
    url: BATCH,
    headers: { 'If-Match': '"0"' },
    body: { requests: [{ method: 'patch', path: '/claims/cc:22', data: { attributes: { lossCause: 'hail' } } }] },
    status: 400,
    check: (b) => {
      assert.is(rejected(b), 'INVALID_HEADER');
      assert.match((b as { userMessage: string }).userMessage, 'put it on the sub-request');
    },
  },
  {
    name: 'Guidewire: If-Match on the sub-request itself is its precondition (412 when stale)',
    engine,
    url: BATCH,
    body: {
      requests: [
        {
          method: 'patch',
          path: '/claims/cc:22',
          data: { attributes: { lossCause: 'hail' } },
          headers: [{ name: 'If-Match', value: '"7"' }],
        },
      ],
    },
    status: 200,
    check: (b) => assert.equal(errorCodes(b), ['PRECONDITION_FAILED']),
  },
  {
    name: 'Guidewire: a failure with onFail abort skips the rest',
    engine,
    url: BATCH,
    body: { requests: [get('/claims/cc:22'), get('/claims/cc:999', { onFail: 'abort' }), get(SEED_PATH), get('/claims/cc:22/notes')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [200, 404, 424, 424]);
      assert.equal(errorCodes(b), [null, 'NOT_FOUND', 'SKIPPED', 'SKIPPED']);
      assert.equal(gw(b).summary, { succeeded: 1, failed: 1, skipped: 2 });
    },
  },
  {
    name: 'Guidewire: a path whose only $ is the escape $${ is matched as its plain text (404 in its slot when it names nothing)',
    engine,
    url: BATCH,
    body: { requests: [get('/claims/cc$${x}'), get('/nope$${x}'), get('/claims/cc:22')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [404, 404, 200]);
      assert.equal(errorCodes(b), ['NOT_FOUND', 'ROUTE_NOT_FOUND', null]);
    },
  },
  {
    name: 'Guidewire: an onFail abort sub-request that cannot run because a reference it needs failed skips the rest',
    engine,
    url: BATCH,
    body: { requests: [get('/nope'), get('/claims/${0/body/data/id}', { onFail: 'abort' }), get('/claims/cc:22')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [404, 424, 424]);
      assert.equal(errorCodes(b), ['ROUTE_NOT_FOUND', 'DEPENDENCY_FAILED', 'SKIPPED']);
      assert.equal(gw(b).summary, { succeeded: 0, failed: 1, skipped: 2 });
    },
  },
  {
    name: 'Guidewire: a sub-request skipped because an abort already stopped the batch stops nothing more (one stop reason)',
    engine,
    url: BATCH,
    body: {
      requests: [get('/claims/cc:999', { onFail: 'abort' }), get('/claims/${0/body/data/id}', { onFail: 'abort' }), get('/claims/cc:22')],
    },
    status: 200,
    check: (b) => {
      assert.equal(errorCodes(b), ['NOT_FOUND', 'SKIPPED', 'SKIPPED']);
      assert.match(JSON.stringify(gw(b).responses[2]), 'sub-request 0 failed');
    },
  },
  {
    name: "Guidewire: a path that starts with $0 is literal text, not OData's $<id> prefix by position (404 in its slot)",
    engine,
    url: BATCH,
    body: { requests: [get('/claims/cc:22'), get('/$0/notes')] },
    status: 200,
    check: (b) => assert.equal(errorCodes(b), [null, 'ROUTE_NOT_FOUND']),
  },
  {
    name: 'Guidewire: a payload that fails its schema amid successes',
    engine,
    url: BATCH,
    body: {
      requests: [{ method: 'post', path: '/claims/cc:22/notes', data: { attributes: { body: '' } } }, get(SEED_PATH)],
    },
    status: 200,
    check: (b) => assert.equal(statuses(b), [400, 200]),
  },
  {
    name: 'Guidewire: maxSubRequests + 1 sub-requests',
    engine,
    url: BATCH,
    body: { requests: Array.from({ length: 101 }, () => get('/claims/cc:22')) },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_TOO_MANY_REQUESTS'),
  },
  {
    name: 'Guidewire: an envelope that is an array',
    engine,
    url: BATCH,
    body: [get('/claims/cc:22')],
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_MALFORMED'),
  },
  {
    name: 'Guidewire: an upper-case method',
    engine,
    url: BATCH,
    body: { requests: [{ method: 'GET', path: '/claims/cc:22' }] },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_MALFORMED'),
  },
  {
    name: 'Guidewire: a sub-request with both data and body',
    engine,
    url: BATCH,
    body: {
      requests: [
        { method: 'post', path: '/claims/cc:22/notes', data: { attributes: { body: 'a' } }, body: { data: { attributes: { body: 'b' } } } },
      ],
    },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_MALFORMED'),
  },
  {
    name: 'Guidewire: malformed JSON text',
    engine,
    url: BATCH,
    raw: '{"requests": [{"method": "get",',
    status: 400,
    check: (b) => assert.is(rejected(b), 'JSON_MALFORMED'),
  },
  {
    name: 'Guidewire: an ordinary call of a missing claim',
    engine,
    method: 'GET',
    url: '/rest/claim/v1/claims/cc:999',
    status: 404,
    check: (b) => assert.is(rejected(b), 'NOT_FOUND'),
  },
];
