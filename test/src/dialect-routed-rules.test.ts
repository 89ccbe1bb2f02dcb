import 'reflect-metadata';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type HttpJsonServer, serveJson } from './support/http-json.js';
import { securityEngine } from './support/security-api.js';

// Rules about which resource a sub-request names hold however its path is spelled. A sub-request
// aimed at a batch endpoint is refused whole: the paths are compared after decoding escapes and
// resolving slashes and dot segments; a route that is not batchable is matched after decoding.
// Through node:http.

async function withServer(fn: (server: HttpJsonServer) => Promise<void>) {
  const server = await serveJson(securityEngine().engine);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function codeOf(body: unknown): string | undefined {
  const b = body as { error?: { code?: string }; errorCode?: string };
  return b.error?.code ?? b.errorCode;
}

const ODATA_SPELLINGS = [
  '/$batch',
  '$batch',
  '/%24batch',
  '/$%62atch',
  '/%24%62%61%74%63%68',
  '/$batch/',
  '/.//$batch',
  '/./$batch',
  '/Echo/../$batch',
  '/Echo/%2e%2e/$batch',
  '/%2F$batch',
  '/%2f$batch%2f',
  '/$batch#x',
  '/$batch?x=1',
];

test('an OData sub-request aimed at $batch in any spelling is refused whole with 400 BATCH_NESTED', async () => {
  await withServer(async (server) => {
    for (const url of ODATA_SPELLINGS) {
      const res = await server.post('/api/$batch', {
        requests: [
          { id: '1', method: 'GET', url: '/Echo/1' },
          { id: '2', method: 'POST', url, body: { requests: [] } },
        ],
      });
      assert.is(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.is(codeOf(res.body), 'BATCH_NESTED', url);
    }
  });
});

test('the claim API refuses its own OData and Guidewire batch endpoints in any spelling', async () => {
  await withServer(async (server) => {
    for (const url of ODATA_SPELLINGS) {
      const res = await server.post('/rest/claim/v1/$batch', { requests: [{ id: '1', method: 'POST', url, body: { requests: [] } }] });
      assert.is(codeOf(res.body), 'BATCH_NESTED', url);
    }
    for (const path of [
      '/batch',
      'batch',
      '/%62atch',
      '/b%61tch',
      '/batch/',
      '/./batch',
      '//batch',
      '/claims/../batch',
      '/%2fbatch',
      '\\batch',
    ]) {
      const res = await server.post('/rest/claim/v1/batch', { requests: [{ method: 'post', path, body: { data: {} } }] });
      assert.is(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.is(codeOf(res.body), 'BATCH_NESTED', path);
    }
  });
});

test('paths that only resemble a batch endpoint run as ordinary sub-requests', async () => {
  await withServer(async (server) => {
    const res = await server.post('/api/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/Echo/$batch' },
        { id: '2', method: 'GET', url: '/Echo/%24batch' },
        { id: '3', method: 'GET', url: '/$batches' },
      ],
    });
    assert.is(res.status, 200, JSON.stringify(res.body));
    const responses = (res.body as { responses: Array<{ status: number; body: { params?: { id: string } } }> }).responses;
    assert.equal(
      responses.map((r) => r.status),
      [200, 200, 404],
    );
    assert.is(responses[1]!.body.params!.id, '$batch');
  });
});

test('a route marked not batchable is refused in its slot in any spelling, since it is matched after decoding', async () => {
  await withServer(async (server) => {
    const res = await server.post(
      '/api/$batch',
      {
        requests: [
          { id: '1', method: 'GET', url: '/%41dmin' },
          { id: '2', method: 'GET', url: '/Adm%69n#x' },
          { id: '3', method: 'DELETE', url: '/Fil%65s/a' },
          { id: '4', method: 'GET', url: '/Fil%65s/a' },
        ],
      },
      { prefer: 'continue-on-error' },
    );
    assert.is(res.status, 200, JSON.stringify(res.body));
    const responses = (res.body as { responses: Array<{ status: number; body?: { error?: { code: string } } }> }).responses;
    assert.equal(
      responses.map((r) => [r.status, r.body?.error?.code]),
      [
        [403, 'NOT_BATCHABLE'],
        [403, 'NOT_BATCHABLE'],
        [403, 'NOT_BATCHABLE'],
        [200, undefined],
      ],
    );
  });
});

test.run();
