import * as assert from 'uvu/assert';
import { exampleParityEngine, type ParityCase } from './parity-transports.js';

const BATCH = '/rest/claim/v1/$batch';
const engine = exampleParityEngine;
const CONTINUE = { prefer: 'continue-on-error' };

interface OdataAnswer {
  '@restbatch.summary': { succeeded: number; failed: number; skipped: number };
  responses: Array<{ id: string; status: number; body?: { errorCode?: string; count?: number; data?: { checksum: string } } }>;
}
const od = (body: unknown) => body as OdataAnswer;
const statuses = (body: unknown) => od(body).responses.map((r) => r.status);
// Items carry the claim API's own (Guidewire) error body: one error shape per API.
const errorCodes = (body: unknown) => od(body).responses.map((r) => r.body?.errorCode ?? null);
const summary = (body: unknown) => od(body)['@restbatch.summary'];
/** The error code of a batch rejected whole, in the OData error shape. */
const rejected = (body: unknown) => (body as { error: { code: string } }).error.code;
const get = (id: string, url: string, more: object = {}) => ({ id, method: 'GET', url, ...more });
const stalePatch = (id: string, more: object = {}) => ({
  id,
  method: 'PATCH',
  url: '/claims/cc:22',
  headers: { 'Content-Type': 'application/json', 'GW-Checksum': '7' },
  body: { data: { attributes: { lossCause: 'hail' } } },
  ...more,
});

/** OData / Microsoft Graph `POST /rest/claim/v1/$batch` of the example claim API: successes, failures and bad inputs. */
export const odataParityCases: ParityCase[] = [
  {
    name: 'OData Protocol §8.1.5 "MUST include the OData-Version header on a response": a batch the engine refuses (dependsOn a later request) carries OData-Version: 4.01',
    engine,
    url: BATCH,
    headers: { 'odata-version': '4.01' },
    body: { requests: [get('1', '/claims/cc:22', { dependsOn: ['2'] }), get('2', '/claims/cc:22')] },
    status: 400,
    check: (b, headers) => {
      assert.is(rejected(b), 'BATCH_RULE_VIOLATION');
      assert.is(headers['odata-version'], '4.01');
    },
  },
  {
    name: 'OData: a batch refused before it is decoded (malformed JSON) carries OData-Version: 4.01 for an OData client',
    engine,
    url: BATCH,
    headers: { 'odata-version': '4.01', 'content-type': 'application/json' },
    raw: '{"requests": [',
    status: 400,
    check: (b, headers) => {
      assert.is(rejected(b), 'JSON_MALFORMED');
      assert.is(headers['odata-version'], '4.01');
    },
  },
  {
    name: 'OData Protocol §11.7 "If the set of request headers of a batch request are valid the service MUST return a 200 OK": an empty requests array is answered {"responses": []}',
    engine,
    url: BATCH,
    headers: { 'odata-version': '4.01' },
    body: { requests: [] },
    status: 200,
    check: (b, headers) => {
      assert.equal(od(b).responses, []);
      assert.equal(summary(b), { succeeded: 0, failed: 0, skipped: 0 });
      assert.is(headers['odata-version'], '4.01');
    },
  },
  {
    name: "OData: the seed's path /claims/cc:22/activities/cc:55",
    engine,
    url: BATCH,
    body: { requests: [get('1', '/claims/cc:22/activities/cc:55')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [200]);
      assert.equal(summary(b), { succeeded: 1, failed: 0, skipped: 0 });
    },
  },
  {
    name: 'OData: a POST then a PATCH of the new claim with its checksum',
    engine,
    url: BATCH,
    body: {
      requests: [
        { id: 'new', method: 'POST', url: '/claims', body: { data: { attributes: { description: 'Hail on the roof' } } } },
        {
          id: 'patch',
          method: 'PATCH',
          url: 'claims/cc:100',
          dependsOn: ['new'],
          headers: { 'GW-Checksum': '0' },
          body: { data: { attributes: { lossCause: 'hail' } } },
        },
        get('read', '/claims/cc:100', { dependsOn: ['patch'] }),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [201, 200, 200]);
      assert.is(od(b).responses[2]!.body!.data!.checksum, '1');
    },
  },
  {
    name: 'OData: a stale checksum answers 409 and, without continue-on-error (§19.4), the rest still runs',
    engine,
    url: BATCH,
    body: { requests: [stalePatch('1'), get('2', '/claims/cc:22'), get('3', '/claims/cc:22/notes')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [409, 200, 200]);
      assert.equal(errorCodes(b), ['CONFLICT', null, null]);
      assert.equal(summary(b), { succeeded: 2, failed: 1, skipped: 0 });
    },
  },
  {
    name: 'OData: continue-on-error runs every request after a failure',
    engine,
    url: BATCH,
    headers: CONTINUE,
    body: { requests: [get('1', '/claims/cc:999'), get('2', '/claims/cc:22'), stalePatch('3'), get('4', '/claims/cc:22/notes')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [404, 200, 409, 200]);
      assert.equal(summary(b), { succeeded: 2, failed: 2, skipped: 0 });
    },
  },
  {
    name: 'OData: a request whose dependsOn failed answers 424 and does not run',
    engine,
    url: BATCH,
    headers: CONTINUE,
    body: {
      requests: [
        get('1', '/claims/cc:999'),
        { id: '2', method: 'POST', url: '/claims/cc:22/notes', dependsOn: ['1'], body: { data: { attributes: { body: 'never' } } } },
        get('3', '/claims/cc:22/notes'),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [404, 424, 200]);
      assert.equal(errorCodes(b), ['NOT_FOUND', 'DEPENDENCY_FAILED', null]);
      assert.is(od(b).responses[2]!.body!.count, 0);
      assert.equal(summary(b), { succeeded: 1, failed: 1, skipped: 1 });
    },
  },
  {
    name: 'OData: a failing atomicity group rolls back what its members did',
    engine,
    url: BATCH,
    headers: CONTINUE,
    body: {
      requests: [
        { id: 'note', method: 'POST', url: '/claims/cc:22/notes', atomicityGroup: 'g', body: { data: { attributes: { body: 'undone' } } } },
        stalePatch('patch', { atomicityGroup: 'g' }),
        get('after', '/claims/cc:22/notes'),
      ],
    },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [424, 409, 200]);
      assert.equal(errorCodes(b), ['ROLLED_BACK', 'CONFLICT', null]);
      assert.is(od(b).responses[2]!.body!.count, 0);
      // A rolled-back member ran, so it counts as failed, not skipped.
      assert.equal(summary(b), { succeeded: 1, failed: 2, skipped: 0 });
    },
  },
  {
    name: 'OData: an outer GW-Checksum is a precondition as an outer If-Match is: not inherited, so the batch is refused whole',
    engine,
    url: BATCH,
    headers: { 'GW-Checksum': '999' },
    body: { requests: [{ ...stalePatch('1'), headers: { 'Content-Type': 'application/json' } }] },
    status: 400,
    check: (b) => {
      assert.is(rejected(b), 'INVALID_HEADER');
      assert.match((b as { error: { message: string } }).error.message, 'carries gw-checksum');
    },
  },
  {
    name: 'OData: an outer If-Match is refused whole the same way',
    engine,
    url: BATCH,
    headers: { 'If-Match': '"0"' },
    body: { requests: [{ ...stalePatch('1'), headers: { 'Content-Type': 'application/json' } }] },
    status: 400,
    check: (b) => assert.is(rejected(b), 'INVALID_HEADER'),
  },
  {
    // RFC 3986 §3.5: the query ends at "#". Read into the query, the text after it would repeat pageSize (400).
    name: "OData: a fragment ends a request's url, as it ends an ordinary call's",
    engine,
    url: BATCH,
    body: { requests: [get('1', 'claims/cc:22/notes?pageSize=1#x&pageSize=2'), get('2', '/rest/claim/v1/claims/cc:22/notes#?pageSize=x')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [200, 200]);
      const hrefs = od(b).responses.map((r) => (r.body as unknown as { links: { self: { href: string } } }).links.self.href);
      assert.equal(hrefs, ['/rest/claim/v1/claims/cc:22/notes?pageSize=1', '/rest/claim/v1/claims/cc:22/notes?pageSize=25']);
    },
  },
  {
    name: 'OData: the same URL in an ordinary call',
    engine,
    method: 'GET',
    url: '/rest/claim/v1/claims/cc:22/notes?pageSize=1#x&pageSize=2',
    status: 200,
    check: (b) => assert.is((b as { links: { self: { href: string } } }).links.self.href, '/rest/claim/v1/claims/cc:22/notes?pageSize=1'),
  },
  {
    name: 'OData: duplicate ids',
    engine,
    url: BATCH,
    body: { requests: [get('1', '/claims/cc:22'), get('1', '/claims/cc:22/notes')] },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_RULE_VIOLATION'),
  },
  {
    name: 'OData: a dependsOn naming a later request',
    engine,
    url: BATCH,
    body: { requests: [get('1', '/claims/cc:22', { dependsOn: ['2'] }), get('2', '/claims/cc:22')] },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_RULE_VIOLATION'),
  },
  {
    name: 'OData: maxSubRequests + 1 requests',
    engine,
    url: BATCH,
    body: { requests: Array.from({ length: 21 }, (_, i) => get(String(i + 1), '/claims/cc:22')) },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_TOO_MANY_REQUESTS'),
  },
  {
    name: 'OData: a request without an id',
    engine,
    url: BATCH,
    body: { requests: [{ method: 'GET', url: '/claims/cc:22' }] },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_MALFORMED'),
  },
  {
    name: 'OData: an unknown top-level field',
    engine,
    url: BATCH,
    body: { requests: [get('1', '/claims/cc:22')], atomic: true },
    status: 400,
    check: (b) => assert.is(rejected(b), 'BATCH_MALFORMED'),
  },
  {
    name: 'OData: an absolute url of another origin fails that request alone with 400 (§19.1)',
    engine,
    url: BATCH,
    body: { requests: [get('1', 'https://example.com/claims/cc:22'), get('2', '/rest/claim/v1/claims/cc:22')] },
    status: 200,
    check: (b) => {
      assert.equal(statuses(b), [400, 200]);
      assert.equal(errorCodes(b), ['URL_OUTSIDE_API', null]);
    },
  },
  {
    name: 'OData: malformed JSON text',
    engine,
    url: BATCH,
    raw: '{"requests": [{"id": "1",',
    status: 400,
    check: (b) => assert.is(rejected(b), 'JSON_MALFORMED'),
  },
];
