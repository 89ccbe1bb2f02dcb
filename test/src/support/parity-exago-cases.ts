import * as assert from 'uvu/assert';
import { SEED_BATCH } from './exago-engine.js';
import { exampleParityEngine, type ParityCase } from './parity-transports.js';
import { wsTestEngine } from './ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const engine = () => wsTestEngine().engine;
const codes = (body: unknown) => (body as Array<{ ReturnCode: string }>).map((i) => i.ReturnCode);
const code = (body: unknown) => (body as { code: string }).code;
const content = (body: unknown) => (body as Array<{ ResponseContent: unknown }>).map((i) => i.ResponseContent);

/** Exago `POST /rest/batch` and its ordinary routes: successes, failures and bad inputs. */
export const exagoParityCases: ParityCase[] = [
  {
    name: 'the seed batch',
    engine,
    url: '/rest/batch',
    body: SEED_BATCH,
    status: 200,
    check: (b) => assert.equal(codes(b), ['201', '204', '201']),
  },
  {
    name: "the seed's single-quoted curl body",
    engine,
    url: '/rest/batch',
    raw: "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]",
    status: 200,
    check: (b) => assert.equal(codes(b), ['201', '204']),
  },
  {
    name: 'a failing call amid successes',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles/Nope', Method: 'PATCH', Payload: { IsActive: true } }, SEED_BATCH[2]],
    status: 200,
    check: (b) => assert.equal(codes(b), ['201', '404', '201']),
  },
  {
    name: '"Payload": null is no payload on every method (POST Sessions, PATCH, GET), as .NET serializers write it',
    engine,
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST', Payload: null },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
      { Url: 'Roles/MyRole', Method: 'PATCH', Payload: null },
      { Url: 'Roles', Method: 'GET', Payload: null },
    ],
    status: 200,
    check: (b) => assert.equal(codes(b), ['201', '204', '204', '200']),
  },
  {
    name: 'a Url whose only $ is the escape $${ names its resource as plain text: it runs, and reaches the role named a${x}',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'a$${x}' } }, { Url: 'Roles/a$${x}', Method: 'GET' }],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '201', '200']);
      assert.is((b as Array<{ ResponseContent: { Id: string } }>)[2]!.ResponseContent.Id, 'a${x}');
    },
  },
  {
    name: 'a reference that fills part of a parameter segment (Roles/a${2/body/Id}) cannot choose the resource: it runs',
    engine,
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'ab' } },
      { Url: 'Roles', Method: 'POST', Payload: { Id: 'b', IsActive: false } },
      { Url: 'Roles/a${2/body/Id}', Method: 'GET' },
      { Url: 'Roles/z${2/body/Id}', Method: 'GET' },
    ],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '201', '201', '200', '404']);
      assert.is((b as Array<{ ResponseContent: { Id: string } }>)[3]!.ResponseContent.Id, 'ab');
    },
  },
  {
    name: 'a reference that fills part of a resource name (Role${1/body/Id}) is still refused whole',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 's' } }, { Url: 'Role${1/body/Id}', Method: 'GET' }],
    status: 400,
    check: (b) => {
      assert.is(code(b), 'BATCH_RULE_VIOLATION');
      assert.match((b as { reason: string }).reason, 'never choose which resource');
    },
  },
  {
    name: 'an escaped Url that reaches no resource fails alone (404 in its slot), not the batch',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Nope$${x}', Method: 'GET' }, { Url: 'Roles', Method: 'GET' }],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '404', '200']);
      assert.is((b as Array<{ ResponseContent: { code: string } }>)[1]!.ResponseContent.code, 'ROUTE_NOT_FOUND');
    },
  },
  {
    name: 'an escaped Url that names Sessions/{sid} is still held to the Sessions rules',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Sessions/a$${x}', Method: 'GET' }],
    status: 400,
    check: (b) => {
      assert.is(code(b), 'BATCH_RULE_VIOLATION');
      assert.match((b as { reason: string }).reason, 'Sessions/{sid}');
    },
  },
  {
    // Seed: "Url string required REST endpoint URL (following /rest/)": a host is refused in the path only.
    name: "a :// in a call's query is a parameter's value, as in the same call alone: the batch runs",
    engine,
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Roles?ReturnUrl=http://example.com/x', Method: 'GET' },
      { Url: 'Test/Query?ReturnUrl=http://example.com/x&to=https://a.example/?b=1', Method: 'GET' },
    ],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '200', '200']);
      assert.equal(content(b)[2], { ReturnUrl: 'http://example.com/x', to: 'https://a.example/?b=1' });
    },
  },
  {
    name: "a :// in a call's path is a host: refused whole, even with a query after it",
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles/http://evil.example/x?y=1', Method: 'GET' }],
    status: 400,
    check: (b) => {
      assert.is(code(b), 'BATCH_MALFORMED');
      assert.match((b as { reason: string }).reason, 'without a leading slash or host');
    },
  },
  {
    // RFC 3986 §3.5: the query ends at "#"; a fragment is never sent to a server.
    name: "a fragment ends a call's Url: its text is no part of the query, and a sid after it is no sid",
    engine,
    url: '/rest/batch',
    body: [
      SESSION,
      { Url: 'Test/Query?a=1#frag&b=2', Method: 'GET' },
      { Url: 'Test/Query#x?c=3', Method: 'GET' },
      { Url: 'Test/Query#x', Method: 'GET' },
      { Url: 'Test/Query#x', Method: 'GET' },
      { Url: `Roles#?sid=${'b'.repeat(32)}`, Method: 'GET' },
    ],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '200', '200', '200', '200', '200']);
      assert.equal(content(b).slice(1, 5), [{ a: '1' }, {}, {}, {}]);
    },
  },
  {
    name: 'an ordinary call reads its URL as a batch call does: the fragment is cut, a :// in the query is a value',
    engine,
    method: 'GET',
    url: '/rest/Test/Query?ReturnUrl=http://example.com/x&a=1#frag&b=2',
    status: 200,
    check: (b) => assert.equal(b, { ReturnUrl: 'http://example.com/x', a: '1' }),
  },
  {
    name: 'an outer If-None-Match, which calls do not inherit, refuses the batch whole',
    engine,
    url: '/rest/batch',
    headers: { 'If-None-Match': '*' },
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } }],
    status: 400,
    check: (b) => assert.is(code(b), 'INVALID_HEADER'),
  },
  {
    name: 'an outer GW-Checksum, a precondition as If-None-Match is, refuses the batch whole',
    engine,
    url: '/rest/batch',
    headers: { 'GW-Checksum': '7' },
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } }],
    status: 400,
    check: (b) => {
      assert.is(code(b), 'INVALID_HEADER');
      assert.equal((b as { details: unknown }).details, { header: 'gw-checksum' });
    },
  },
  {
    name: "a Url that starts with $0 is literal text, not OData's $<id> prefix by position",
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Roles', Method: 'POST', Payload: { Id: 'A' } }, { Url: '$1', Method: 'GET' }],
    status: 400,
    check: (b) => {
      // A resource name as any other: refused for its first letter, never resolved to call 1's role.
      assert.is(code(b), 'BATCH_RULE_VIOLATION');
      assert.match((b as { reason: string }).reason, 'capital letter');
    },
  },
  {
    name: 'GET openapi.json (a route with session none) with the sid of a session that ended: the sid is ignored',
    engine: exampleParityEngine,
    method: 'GET',
    url: `/rest/openapi.json?sid=${'e'.repeat(32)}`,
    status: 200,
    check: (b) => assert.is((b as { openapi: string }).openapi, '3.1.0'),
  },
  {
    name: 'a body that is not an array',
    engine,
    url: '/rest/batch',
    body: { Url: 'Sessions' },
    status: 400,
    check: (b) => assert.is(code(b), 'BATCH_MALFORMED'),
  },
  { name: 'an empty batch', engine, url: '/rest/batch', body: [], status: 400, check: (b) => assert.is(code(b), 'BATCH_EMPTY') },
  {
    name: 'a first call that is not POST Sessions',
    engine,
    url: '/rest/batch',
    body: [{ Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } }],
    status: 400,
    check: (b) => assert.is(code(b), 'BATCH_RULE_VIOLATION'),
  },
  {
    name: 'a payload that fails its schema',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P', DataType: 'Nope' } }],
    status: 200,
    check: (b) => assert.equal(codes(b), ['201', '400']),
  },
  {
    name: 'an unknown resource',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Nope', Method: 'GET' }],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '404']);
      assert.is((b as Array<{ ResponseContent: { code: string } }>)[1]!.ResponseContent.code, 'ROUTE_NOT_FOUND');
    },
  },
  {
    name: 'GET on the batch endpoint',
    engine,
    method: 'GET',
    url: '/rest/batch',
    status: 405,
    check: (b) => assert.is(code(b), 'METHOD_NOT_ALLOWED'),
  },
  {
    name: 'a handler that throws',
    engine,
    url: '/rest/batch',
    body: [SESSION, { Url: 'Test/Boom', Method: 'POST' }, { Url: 'Roles/MyRole', Method: 'GET' }],
    status: 200,
    check: (b) => {
      assert.equal(codes(b), ['201', '500', '200']);
      assert.not.match(JSON.stringify(b), /internal detail/);
    },
  },
  {
    name: 'malformed JSON text',
    engine,
    url: '/rest/batch',
    raw: '[{"Url": "Sessions",',
    status: 400,
    check: (b) => assert.is(code(b), 'JSON_MALFORMED'),
  },
  {
    name: 'an unknown config',
    engine,
    url: '/rest/batch?config=Nope',
    body: SEED_BATCH,
    status: 400,
    check: (b) => assert.is(code(b), 'CONFIG_UNKNOWN'),
  },
  {
    name: 'a non-JSON Content-Type',
    engine,
    url: '/rest/batch',
    headers: { 'content-type': 'text/plain' },
    body: SEED_BATCH,
    status: 415,
    check: (b) => assert.is(code(b), 'UNSUPPORTED_MEDIA_TYPE'),
  },
  {
    name: 'a body sent with a content coding (gzip): RFC 9110 §8.4.1 415, naming the accepted coding (§12.5.3)',
    engine,
    url: '/rest/batch',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    raw: JSON.stringify(SEED_BATCH),
    status: 415,
    check: (b, headers) => {
      assert.is(code(b), 'UNSUPPORTED_MEDIA_TYPE');
      assert.match((b as { reason: string }).reason, /^Content-Encoding gzip is not supported/);
      assert.is(headers['accept-encoding'], 'identity');
    },
  },
  {
    name: 'a body sent with Content-Encoding: identity is read as it is',
    engine,
    url: '/rest/batch',
    headers: { 'content-type': 'application/json', 'content-encoding': 'identity' },
    raw: JSON.stringify(SEED_BATCH),
    status: 200,
  },
  {
    name: 'more calls than the limit',
    engine: () => wsTestEngine({ limits: { maxSubRequests: 2 } }).engine,
    url: '/rest/batch',
    body: SEED_BATCH,
    status: 400,
    check: (b) => assert.is(code(b), 'BATCH_TOO_MANY_REQUESTS'),
  },
  {
    name: 'a body over the size limit',
    engine: () => wsTestEngine({ limits: { maxBodyBytes: 200 } }).engine,
    url: '/rest/batch',
    body: [...SEED_BATCH, { Url: 'Test/Echo/x', Method: 'POST', Payload: 'x'.repeat(300) }],
    status: 413,
    mayDiffer: ['reason'],
    check: (b) => assert.is(code(b), 'PAYLOAD_TOO_LARGE'),
  },
  { name: 'an ordinary POST Sessions call', engine, url: '/rest/Sessions', body: {}, status: 201 },
  {
    name: 'an ordinary call with an unknown session',
    engine,
    method: 'GET',
    url: `/rest/Roles?sid=${'0'.repeat(32)}`,
    status: 401,
    check: (b) => assert.is(code(b), 'SESSION_NOT_FOUND'),
  },
];
