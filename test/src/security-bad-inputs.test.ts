import { type AuthRequest, type EngineOptions, MemorySessionStore, RestBatchError } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SECRET, securityEngine } from './support/security-api.js';
import {
  codeOf,
  LEAK,
  openTransport,
  type SecAnswer,
  type SecRequest,
  slots,
  TRANSPORT_NAMES,
  watchConnections,
} from './support/security-transports.js';

/** State shared by the steps of one case (a session id made by an earlier step, a clock). */
interface CaseContext {
  vars: Record<string, string>;
  clock: { now: number };
  logged: Array<Record<string, unknown>>;
}

/** One request of a case and what every transport must answer to it. */
interface Step {
  request: SecRequest | ((ctx: CaseContext) => SecRequest);
  status: number;
  /** The code of a whole-request error. */
  code?: string;
  /** `[status, code]` of each sub-result, for a batch that ran. */
  slots?: Array<[number, string | undefined]>;
  check?: (answer: SecAnswer, ctx: CaseContext) => void;
}

/** One bad input of issue 7, with its steps. */
interface BadCase {
  name: string;
  options?: (ctx: CaseContext) => Partial<EngineOptions>;
  steps: Step[];
}

const CONTINUE = { prefer: 'odata.continue-on-error' };
const HEX = '0123456789abcdef0123456789abcdef';

/** An OData batch of GETs (or `METHOD url`) that continues on errors. */
function odata(...urls: string[]): SecRequest {
  const requests = urls.map((u, i) => {
    const [method, url] = / /.test(u) ? (u.split(' ', 2) as [string, string]) : ['GET', u];
    return { id: String(i), method, url };
  });
  return { url: '/api/$batch', headers: CONTINUE, body: { requests } };
}

function odataItems(answer: SecAnswer): Array<{ status: number; headers: Record<string, string>; body: Record<string, any> }> {
  return (answer.body as { responses: never[] }).responses;
}

function whole(code: string, request: Step['request'], status = 400): Step {
  return { request, status, code };
}

/** Bodies whose bytes matter are written out as text. */
function padded(text: string, bytes: number): string {
  return text + ' '.repeat(bytes - Buffer.byteLength(text));
}

const CASES: BadCase[] = [
  {
    name: '1. too many items, zero items, null and non-array bodies are rejected whole',
    steps: [
      whole('BATCH_TOO_MANY_REQUESTS', odata(...Array.from({ length: 101 }, (_, i) => `/Echo/${i}`))),
      whole('BATCH_EMPTY', { url: '/rest/claim/v1/batch', body: { requests: [] } }),
      whole('BATCH_EMPTY', { url: '/rest/batch', body: [] }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', raw: 'null' }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', raw: '{}' }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', raw: '' }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', raw: '[]' }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', raw: '42' }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', raw: 'null' }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', raw: '"requests"' }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/$batch', raw: 'true' }),
    ],
  },
  {
    name: '2. 100 guessing sub-requests in one batch are counted by the limiter one by one',
    options: () => ({ rateLimit: { limit: 10, windowMs: 60_000 } }),
    steps: [
      {
        request: {
          url: '/api/$batch',
          headers: CONTINUE,
          body: {
            requests: Array.from({ length: 100 }, (_, i) => ({
              id: String(i),
              method: 'POST',
              url: '/Login',
              body: { user: 'root', password: `guess${i}` },
            })),
          },
        },
        status: 200,
        slots: [
          ...Array.from({ length: 10 }, (): [number, undefined] => [201, undefined]),
          ...Array.from({ length: 90 }, (): [number, string] => [429, 'RATE_LIMITED']),
        ],
        check: (answer) => assert.is(odataItems(answer)[10]!.headers['retry-after'], '6'),
      },
      {
        request: { url: '/api/Login', body: { user: 'root', password: 'guess100' } },
        status: 429,
        code: 'RATE_LIMITED',
        check: (answer) => assert.is(answer.headers['retry-after'], '6'),
      },
    ],
  },
  {
    name: '3. a sub-request whose path is the batch endpoint itself is rejected whole',
    steps: [
      whole('BATCH_NESTED', odata('/Echo/1', '/$batch')),
      whole('BATCH_NESTED', {
        url: '/rest/claim/v1/$batch',
        body: { requests: [{ id: '1', method: 'POST', url: '$batch', body: { requests: [] } }] },
      }),
      whole('BATCH_NESTED', { url: '/rest/claim/v1/batch', body: { requests: [{ method: 'get', path: '/batch' }] } }),
      whole('BATCH_RULE_VIOLATION', {
        url: '/rest/batch',
        body: [
          { Url: 'Sessions', Method: 'POST' },
          { Url: 'batch', Method: 'POST', Payload: [] },
        ],
      }),
    ],
  },
  {
    name: '4. absolute URLs and host tricks in a path never leave the API',
    steps: [
      // OData JSON 4.01 §19.1: an absolute URI of another origin fails that request alone, never leaving the API.
      {
        request: odata('http://evil.example/Echo/1', 'HTTPS://evil.example/Echo/1', '//evil.example/Echo/1', '/Echo/1'),
        status: 200,
        slots: [
          [400, 'URL_OUTSIDE_API'],
          [400, 'URL_OUTSIDE_API'],
          [400, 'URL_OUTSIDE_API'],
          [200, undefined],
        ],
      },
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: [{ Url: 'http://evil.example/Sessions', Method: 'POST' }] }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: [{ Url: '//evil.example/Sessions', Method: 'POST' }] }),
      {
        request: odata('/\\evil.example/Echo/1', '/%5cevil.example', '\\\\evil.example/Echo/1', '/Echo/1'),
        status: 200,
        slots: [
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
          [200, undefined],
        ],
      },
      whole('ROUTE_NOT_FOUND', { method: 'GET', url: '//evil.example/api/Echo/1' }, 404),
    ],
  },
  {
    name: '5. path tricks: dot segments, encoded slashes, doubled slashes, wrong case, ;params and NUL',
    steps: [
      {
        request: odata(
          '/Files/..',
          '/Files/%2e%2e',
          '/Files/%2E%2e/Admin',
          '/Files/a/../../Admin',
          '/Files%2FAdmin',
          '/Files/..%2FAdmin',
          '/Files//a',
          '/files/a',
          '/FILES/a',
          '/Files/a;x=1',
          '/Admin;jsessionid=1',
          '/Files/a%00',
          '/Files/%0d%0aX-Injected:%201',
        ),
        status: 200,
        // OData resolves a url's literal dot segments inside the API (JSON §19.1, RFC 3986 §5.2.4), and the
        // resolved path meets every rule a plain one does: `/Files/..` is `/` (no route), and
        // `/Files/a/../../Admin` is `/Admin`, which takes no batch (403). Encoded ones stay refused.
        slots: [
          [404, 'ROUTE_NOT_FOUND'],
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
          [403, 'NOT_BATCHABLE'],
          [404, 'ROUTE_NOT_FOUND'],
          [200, undefined],
          [400, 'INVALID_PATH'],
          [404, 'ROUTE_NOT_FOUND'],
          [404, 'ROUTE_NOT_FOUND'],
          [200, undefined],
          [404, 'ROUTE_NOT_FOUND'],
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
        ],
        check: (answer) => {
          // An encoded slash stays inside its segment: the Files route gets one odd name, never Admin.
          assert.equal(odataItems(answer)[5]!.body, { name: '../Admin' });
          assert.equal(odataItems(answer)[9]!.body, { name: 'a;x=1' });
        },
      },
      whole('INVALID_PATH', { method: 'GET', url: '/api/Files/%2e%2e/Admin' }),
      whole('INVALID_PATH', { method: 'GET', url: '/api/Files/a%00' }),
      {
        request: {
          url: '/rest/batch',
          body: [
            { Url: 'Sessions', Method: 'POST' },
            { Url: 'Roles/..', Method: 'GET' },
            { Url: 'Roles/%2e%2e/x', Method: 'GET' },
            { Url: 'Roles/a%00', Method: 'GET' },
          ],
        },
        status: 200,
        slots: [
          [201, undefined],
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
          [400, 'INVALID_PATH'],
        ],
      },
    ],
  },
  {
    name: '6. names on Object.prototype are plain names as resource, method, header, reference or payload keys',
    steps: [
      {
        request: {
          url: '/api/$batch',
          headers: CONTINUE,
          body: {
            requests: [
              { id: '0', method: 'GET', url: '/constructor' },
              { id: '1', method: 'GET', url: '/__proto__' },
              { id: '2', method: 'GET', url: '/toString' },
              { id: '3', method: 'GET', url: '/hasOwnProperty/x' },
              { id: '4', method: 'GET', url: '/Files/__proto__' },
              {
                id: '5',
                method: 'GET',
                url: '/Echo/constructor?toString=1&hasOwnProperty=2',
                headers: { constructor: 'a', toString: 'b', valueOf: 'c' },
              },
              { id: '6', method: 'POST', url: '/Echo', body: { toString: 1, hasOwnProperty: 2, valueOf: 3, constructor: 'x' } },
              { id: '7', method: 'GET', url: '/Echo/${6/body/body/__proto__}' },
              { id: '8', method: 'GET', url: '/Echo/${6/body/body/constructor/name}' },
            ],
          },
        },
        status: 200,
        slots: [
          [404, 'ROUTE_NOT_FOUND'],
          [404, 'ROUTE_NOT_FOUND'],
          [404, 'ROUTE_NOT_FOUND'],
          [404, 'ROUTE_NOT_FOUND'],
          [200, undefined],
          [200, undefined],
          [201, undefined],
          [400, 'REFERENCE_INVALID'],
          [400, 'REFERENCE_INVALID'],
        ],
        check: (answer) => {
          const items = odataItems(answer);
          assert.equal(items[4]!.body, { name: '__proto__' });
          assert.equal(items[5]!.body.query, { toString: '1', hasOwnProperty: '2' });
          // Header names are case-insensitive and arrive in lower case, as own properties.
          assert.equal(items[5]!.body.headers, { constructor: 'a', tostring: 'b', valueof: 'c' });
          assert.equal(items[6]!.body.body, { toString: 1, hasOwnProperty: 2, valueOf: 3, constructor: 'x' });
        },
      },
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [{ id: '0', method: 'constructor', url: '/Echo/1' }] } }),
      whole('REFERENCE_INVALID', {
        url: '/api/$batch',
        body: { requests: [{ id: '0', method: 'GET', url: '/Echo/${constructor/body}' }] },
      }),
      {
        request: {
          url: '/rest/batch',
          body: [
            { Url: 'Sessions', Method: 'POST' },
            { Url: 'Roles/constructor', Method: 'GET' },
            { Url: 'Roles/__proto__', Method: 'DELETE' },
            { Url: 'Parameters', Method: 'POST', Payload: { Id: 'toString', DataType: 'String', Value: 'v' } },
            { Url: 'Parameters/toString', Method: 'GET' },
            { Url: 'Parameters/hasOwnProperty', Method: 'GET' },
          ],
        },
        status: 200,
        slots: [
          [201, undefined],
          [404, 'NOT_FOUND'],
          [404, 'NOT_FOUND'],
          [201, undefined],
          [200, undefined],
          [404, 'NOT_FOUND'],
        ],
      },
    ],
  },
  {
    name: '7. prototype pollution in payloads, headers and queries is stripped, never applied',
    steps: [
      {
        request: {
          url: '/api/$batch?__proto__[polluted]=1&constructor[prototype][polluted]=1',
          headers: CONTINUE,
          raw: `{"requests":[
            {"id":"0","method":"POST","url":"/Echo","headers":{"__proto__":{"polluted":"x"}},
             "body":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}},
            {"id":"1","method":"GET","url":"/Echo/1?__proto__[polluted]=1&constructor[prototype][polluted]=1&__proto__=2"}
          ],"__proto__":{"polluted":true}}`,
        },
        status: 200,
        slots: [
          [201, undefined],
          [200, undefined],
        ],
        check: (answer) => {
          const items = odataItems(answer);
          assert.equal(items[0]!.body.body, { a: 1 });
          assert.equal(items[1]!.body.query, { '__proto__[polluted]': '1', 'constructor[prototype][polluted]': '1', ['__proto__']: '2' });
        },
      },
      {
        request: {
          url: '/api/Echo?__proto__[polluted]=1',
          raw: '{"__proto__":{"polluted":true},"b":{"constructor":{"prototype":{"polluted":true}}}}',
        },
        status: 201,
        check: (answer) => assert.equal((answer.body as { body: unknown }).body, { b: {} }),
      },
      {
        request: {
          url: '/rest/batch',
          raw: '[{"Url":"Sessions","Method":"POST","__proto__":{"polluted":true}},{"Url":"Parameters","Method":"POST","Payload":{"Id":"p","DataType":"String","Value":"v","__proto__":{"polluted":true}}}]',
        },
        status: 200,
        slots: [
          [201, undefined],
          [201, undefined],
        ],
      },
    ],
  },
  {
    name: '8. identity headers inside a sub-request are refused and never change the caller',
    options: () => ({
      authenticate: (req: AuthRequest) => {
        const user = req.headers['x-user'];
        if (user === undefined) throw new RestBatchError('UNAUTHORIZED', 'Who are you?');
        return { user };
      },
      authorize: (identity, call) => call.resource !== 'Secrets' || (identity as { user: string }).user === 'admin',
    }),
    steps: [
      {
        request: {
          url: '/api/$batch',
          headers: { 'x-user': 'bob', ...CONTINUE },
          body: {
            requests: [
              { id: '0', method: 'GET', url: '/Secrets', headers: { Authorization: 'Bearer admin' } },
              { id: '1', method: 'GET', url: '/Secrets', headers: { 'X-Forwarded-For': '10.0.0.1' } },
              { id: '2', method: 'GET', url: '/Secrets', headers: { cookie: 'session=admin' } },
              { id: '3', method: 'GET', url: '/Secrets', headers: { host: 'internal.example' } },
              { id: '4', method: 'GET', url: '/Echo/1', headers: { 'x-note': 'a\r\nSet-Cookie: admin=1' } },
              { id: '5', method: 'GET', url: '/Echo/1', headers: { 'x-note\r\nx-evil': 'a' } },
              { id: '6', method: 'GET', url: '/Secrets', headers: { 'x-user': 'admin' } },
              { id: '7', method: 'GET', url: '/Echo/1', headers: { 'x-user': 'admin' } },
            ],
          },
        },
        status: 200,
        slots: [
          [400, 'INVALID_HEADER'],
          [400, 'INVALID_HEADER'],
          [400, 'INVALID_HEADER'],
          [400, 'INVALID_HEADER'],
          [400, 'INVALID_HEADER'],
          [400, 'INVALID_HEADER'],
          [403, 'FORBIDDEN'],
          [200, undefined],
        ],
        check: (answer) => assert.equal(odataItems(answer)[7]!.body.identity, { user: 'bob' }),
      },
      {
        request: {
          url: '/rest/claim/v1/batch',
          headers: { 'x-user': 'bob' },
          body: { requests: [{ method: 'get', path: '/claims', headers: [{ name: 'Authorization', value: 'Bearer admin' }] }] },
        },
        status: 200,
        slots: [[400, 'INVALID_HEADER']],
      },
      whole('UNAUTHORIZED', odata('/Echo/1'), 401),
    ],
  },
  {
    name: '9. per-operation headers of the outer request are not copied into sub-requests; an outer precondition refuses the batch',
    steps: [
      {
        // Ignored, it would let a conditional write apply unconditionally: the batch is refused, nothing runs.
        request: {
          url: '/api/$batch',
          headers: { ...CONTINUE, 'if-match': '"1"' },
          body: { requests: [{ id: '0', method: 'PATCH', url: '/Echo/2', body: {} }] },
        },
        status: 400,
        code: 'INVALID_HEADER',
      },
      {
        request: {
          url: '/api/$batch',
          headers: { ...CONTINUE, 'if-unmodified-since': 'Tue, 01 Dec 2026 00:00:00 GMT' },
          body: { requests: [{ id: '0', method: 'GET', url: '/Echo/1' }] },
        },
        status: 400,
        code: 'INVALID_HEADER',
      },
      {
        request: {
          url: '/api/$batch',
          headers: { ...CONTINUE, 'gw-checksum': 'abc' },
          body: { requests: [{ id: '0', method: 'GET', url: '/Echo/1' }] },
        },
        status: 400,
        code: 'INVALID_HEADER',
      },
      {
        request: {
          url: '/api/$batch',
          headers: {
            ...CONTINUE,
            'idempotency-key': 'key-0123456789',
            'x-trace': 't1',
          },
          body: {
            requests: [
              { id: '0', method: 'GET', url: '/Echo/1' },
              { id: '1', method: 'PATCH', url: '/Echo/2', headers: { 'if-match': '"7"', 'gw-checksum': 'own' }, body: {} },
            ],
          },
        },
        status: 200,
        slots: [
          [200, undefined],
          [200, undefined],
        ],
        check: (answer) => {
          const [first, second] = odataItems(answer);
          for (const name of ['if-match', 'if-none-match', 'gw-checksum', 'idempotency-key', 'prefer', 'content-type', 'content-length']) {
            assert.is(first!.body.headers[name], undefined, name);
          }
          assert.is(first!.body.headers['x-trace'], 't1');
          assert.is(second!.body.headers['if-match'], '"7"');
          assert.is(second!.body.headers['gw-checksum'], 'own');
        },
      },
    ],
  },
  {
    name: '10. a body one byte over the limit is refused with 413',
    options: () => ({ limits: { maxBodyBytes: 4096 } }),
    steps: [
      whole(
        'PAYLOAD_TOO_LARGE',
        { url: '/api/$batch', raw: padded('{"requests":[{"id":"0","method":"GET","url":"/Echo/1"}]}', 4097) },
        413,
      ),
      {
        request: { url: '/api/$batch', raw: padded('{"requests":[{"id":"0","method":"GET","url":"/Echo/1"}]}', 4096) },
        status: 200,
        slots: [[200, undefined]],
      },
    ],
  },
  {
    name: '10. JSON nested 100000 deep and one huge string are refused before parsing',
    steps: [
      whole('JSON_TOO_DEEP', {
        url: '/api/$batch',
        raw: `{"requests":[{"id":"0","method":"POST","url":"/Echo","body":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`,
      }),
      whole('STRING_TOO_LONG', {
        url: '/api/$batch',
        body: { requests: [{ id: '0', method: 'POST', url: '/Echo', body: { s: 'x'.repeat(300_000) } }] },
      }),
      whole('JSON_TOO_DEEP', { url: '/rest/batch', raw: '['.repeat(100_000) }),
    ],
  },
  {
    name: '11. a handler that never settles gets 504 in its slot and the deadline holds',
    options: () => ({ limits: { subRequestTimeoutMs: 50 } }),
    steps: [
      {
        request: odata('/Hang', '/Echo/1'),
        status: 200,
        slots: [
          [504, 'TIMEOUT'],
          [200, undefined],
        ],
      },
      whole('TIMEOUT', { method: 'GET', url: '/api/Hang' }, 504),
    ],
  },
  {
    name: '12. a thrown secret becomes a generic 500 with a correlation id that the log holds',
    steps: [
      {
        request: odata('/Boom', '/Echo/1'),
        status: 200,
        slots: [
          [500, 'INTERNAL'],
          [200, undefined],
        ],
        check: (answer, ctx) => {
          const error = odataItems(answer)[0]!.body.error as { message: string; innererror: { correlationId: string } };
          assert.is(error.message, 'Internal server error');
          const entry = ctx.logged.find((l) => l.correlationId === error.innererror.correlationId);
          assert.ok(entry, 'the correlation id is in the log');
          assert.is((entry!.err as { message: string }).message, SECRET);
        },
      },
      {
        request: { method: 'GET', url: '/api/Boom' },
        status: 500,
        code: 'INTERNAL',
        check: (answer, ctx) => {
          const id = (answer.body as { error: { innererror: { correlationId: string } } }).error.innererror.correlationId;
          assert.ok(ctx.logged.some((l) => l.correlationId === id && (l.err as { message: string }).message === SECRET));
        },
      },
    ],
  },
  {
    name: '13. malformed envelopes of every dialect are rejected whole',
    steps: [
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: [{ Url: 5, Method: 'GET' }] }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST', Extra: 1 }] }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: ['Sessions'] }),
      whole('BATCH_MALFORMED', { url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'PUT' }] }),
      whole('BATCH_MALFORMED', {
        url: '/rest/batch',
        body: [
          { Url: 'Sessions', Method: 'POST' },
          { Url: 'Roles', Method: 'GET', Payload: {} },
        ],
      }),
      whole('BATCH_RULE_VIOLATION', {
        url: '/rest/batch',
        body: [
          { Url: 'Sessions', Method: 'POST' },
          { Url: 'Sessions', Method: 'POST' },
        ],
      }),
      whole('JSON_MALFORMED', { url: '/rest/batch', raw: "[{'Url':'Sessions" }),
      whole('BATCH_RULE_VIOLATION', {
        url: '/api/$batch',
        body: {
          requests: [
            { id: '1', method: 'GET', url: '/Echo/1' },
            { id: '1', method: 'GET', url: '/Echo/2' },
          ],
        },
      }),
      whole('BATCH_RULE_VIOLATION', {
        url: '/api/$batch',
        body: {
          requests: [
            { id: '1', method: 'GET', url: '/Echo/1', dependsOn: ['2'] },
            { id: '2', method: 'GET', url: '/Echo/2' },
          ],
        },
      }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [{ method: 'GET', url: '/Echo/1' }] } }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [{ id: 1, method: 'GET', url: '/Echo/1' }] } }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [{ id: '1', method: 'GET', url: '/Echo/1', extra: true }] } }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [{ id: '1', method: 'GET', url: '/Echo/1', headers: 'x' }] } }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: {} } }),
      whole('BATCH_MALFORMED', { url: '/api/$batch', body: { requests: [], more: 1 } }),
      whole('JSON_MALFORMED', { url: '/api/$batch', raw: '{"requests":[' }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: { requests: 'x' } }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: { requests: [{ method: 'get' }] } }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: { requests: [{ method: 'get', path: '/claims', foo: 1 }] } }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: { requests: [{ method: 5, path: '/claims' }] } }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: { requests: [{ method: 'get', path: '/claims' }], extra: 1 } }),
      whole('BATCH_MALFORMED', { url: '/rest/claim/v1/batch', body: {} }),
    ],
  },
  {
    name: '14. client-chosen, forged, expired and path-like session ids are never adopted',
    options: (ctx) => ({ store: new MemorySessionStore({ now: () => ctx.clock.now }), sessionTtlMs: 1000 }),
    steps: [
      whole('SESSION_NOT_FOUND', { method: 'GET', url: `/rest/Roles?sid=${HEX}` }, 401),
      whole('SESSION_NOT_FOUND', { method: 'GET', url: '/rest/Roles?sid=../x' }, 401),
      whole('SESSION_NOT_FOUND', { method: 'GET', url: '/rest/Roles?sid=*' }, 401),
      whole('SESSION_NOT_FOUND', { method: 'GET', url: '/rest/Roles?sid=%2e%2e%2fx' }, 401),
      whole('SESSION_NOT_FOUND', { method: 'GET', url: '/rest/Roles?sid=__proto__' }, 401),
      whole('SESSION_NOT_FOUND', { method: 'GET', url: `/rest/Roles?sid=${HEX}&sid=${HEX}` }, 401),
      whole('BATCH_RULE_VIOLATION', { url: `/rest/batch?sid=${HEX}`, body: [{ Url: 'Roles', Method: 'GET' }] }),
      whole('BATCH_RULE_VIOLATION', {
        url: '/rest/batch',
        body: [
          { Url: 'Sessions', Method: 'POST' },
          { Url: `Roles?sid=${HEX}`, Method: 'GET' },
        ],
      }),
      {
        request: { url: '/rest/batch', body: [{ Url: 'Sessions', Method: 'POST' }] },
        status: 200,
        slots: [[201, undefined]],
        check: (answer, ctx) => {
          ctx.vars.sid = String((answer.body as Array<{ ResponseContent: { Id: string } }>)[0]!.ResponseContent.Id);
          assert.match(ctx.vars.sid, /^[0-9a-f]{32}$/);
          ctx.clock.now += 2000;
        },
      },
      whole('SESSION_NOT_FOUND', (ctx) => ({ method: 'GET', url: `/rest/Roles?sid=${ctx.vars.sid}` }), 401),
      whole('SESSION_NOT_FOUND', (ctx) => ({ method: 'GET', url: `/rest/Roles?sid=${ctx.vars.sid!.toUpperCase()}` }), 401),
    ],
  },
  {
    name: '15. references that try code, point forwards or change a path are refused',
    steps: [
      {
        request: {
          url: '/api/$batch',
          headers: CONTINUE,
          body: {
            requests: [
              { id: 'a', method: 'POST', url: '/Echo', body: { id: 'x', name: '../Admin', dots: '..' } },
              { id: 'b', method: 'POST', url: '/Echo', body: { v: '$ref:a/body/body/id;process.exit()' } },
              { id: 'c', method: 'GET', url: '/Echo/${a/body/body/id;require("child_process").exec("x")}' },
              { id: 'd', method: 'GET', url: '/Files/${a/body/body/name}' },
              { id: 'e', method: 'GET', url: '/Files/${a/body/body/dots}' },
            ],
          },
        },
        status: 200,
        slots: [
          [201, undefined],
          [400, 'REFERENCE_INVALID'],
          [400, 'REFERENCE_INVALID'],
          [200, undefined],
          [400, 'REFERENCE_INVALID'],
        ],
        check: (answer) => assert.equal(odataItems(answer)[3]!.body, { name: '../Admin' }),
      },
      whole('REFERENCE_INVALID', {
        url: '/api/$batch',
        body: {
          requests: [
            { id: 'a', method: 'GET', url: '/Echo/${b/body/params/id}' },
            { id: 'b', method: 'GET', url: '/Echo/1' },
          ],
        },
      }),
      {
        request: {
          url: '/rest/batch',
          body: [
            { Url: 'Sessions', Method: 'POST' },
            { Url: 'Roles/$0.id;process.exit()', Method: 'GET' },
          ],
        },
        status: 200,
        slots: [
          [201, undefined],
          [404, 'NOT_FOUND'],
        ],
      },
    ],
  },
];

const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();

function assertPrototypesUnchanged(): void {
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  assert.is(Object.prototype.toString.call([]), '[object Array]');
}

for (const c of CASES) {
  for (const transport of TRANSPORT_NAMES) {
    test(`${c.name} (${transport})`, async () => {
      const ctx: CaseContext = { vars: {}, clock: { now: 1_000_000 }, logged: [] };
      const { engine, logged } = securityEngine(c.options?.(ctx));
      ctx.logged = logged;
      const watch = watchConnections();
      const open = await openTransport(transport, engine);
      try {
        for (const [n, step] of c.steps.entries()) {
          const request = typeof step.request === 'function' ? step.request(ctx) : step.request;
          const answer = await open.send(request);
          const where = `step ${n}: ${answer.text.slice(0, 300)}`;
          assert.is(answer.status, step.status, where);
          if (step.code !== undefined) assert.is(codeOf(answer.body), step.code, where);
          if (step.slots !== undefined) assert.equal(slots(answer.body), step.slots, where);
          assert.not.match(answer.text, LEAK, where);
          assert.not.match(answer.text, /hunter2/, where);
          step.check?.(answer, ctx);
        }
      } finally {
        watch.restore();
        await open.close();
      }
      for (const target of watch.targets) {
        assert.ok(
          target.path == null && /^(127\.0\.0\.1|localhost|::1)$/.test(String(target.host)) && target.port === open.port,
          `connected to ${JSON.stringify(target)}`,
        );
      }
      assertPrototypesUnchanged();
      assert.is(engine.running, 0);
    });
  }
}

test('the process is still up and serves a plain batch after every bad input, on every transport', async () => {
  for (const transport of TRANSPORT_NAMES) {
    const { engine } = securityEngine();
    const open = await openTransport(transport, engine);
    try {
      const answer = await open.send(odata('/Echo/1', '/Files/a'));
      assert.equal(slots(answer.body), [
        [200, undefined],
        [200, undefined],
      ]);
    } finally {
      await open.close();
    }
  }
  assertPrototypesUnchanged();
});

test.run();
