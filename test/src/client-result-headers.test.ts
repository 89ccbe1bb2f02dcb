// A result's `headers` are the answer's own fields, the same on every transport: over HTTP the
// fields of the HTTP message itself are left out. Hop-by-hop fields (RFC 9110 section 7.6.1:
// Connection and the names it lists, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade)
// describe one connection; Content-Length and Date frame one message; and the
// `application/json; charset=utf-8` the restbatch HTTP transports write for an answer that names no
// media type is theirs, not the answer's (packages/client/README.md, "Results").
import { type AnyResult, createClient, httpTransport } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type TransportKind, withClientWorld } from './support/client-harness.js';

const KINDS: readonly TransportKind[] = ['direct', 'http', 'ws'];

/** The headers of the same ordinary calls (alone and batched) over one transport. */
async function headersOver(kind: TransportKind): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  await withClientWorld(kind, async ({ client }) => {
    const c = client();
    const claim = { params: { path: { claimId: 'cc:22' } } };
    const calls: Record<string, Promise<AnyResult>> = {
      'a read with an ETag': c.GET('/rest/claim/v1/claims/{claimId}', { ...claim, batch: false }),
      'a validation error': c.POST('/rest/claim/v1/claims', { body: { bogus: 1 } as never, batch: false }),
      'an Exago 404': c.GET('/rest/Roles/{id}', { params: { path: { id: 'nope' } }, batch: false }),
      'a 404 with Content-Language': c.GET('/api/lab/nothing' as '/api/lab/echo', { batch: false }),
      'a media type and a field of its own': c.GET('/api/lab/typed', { batch: false }),
    };
    for (const [name, call] of Object.entries(calls)) out[name] = (await call).headers;
    out['the same read, batched'] = (await c.GET('/rest/claim/v1/claims/{claimId}', claim)).headers;
  });
  return out;
}

test('the same ordinary calls answer the same headers over direct, HTTP and WebSocket', async () => {
  const [direct, ...others] = await Promise.all(KINDS.map(headersOver));
  for (const [i, other] of others.entries()) assert.equal(other, direct, `${KINDS[i + 1]} answers what direct answers`);
  // What is kept: the handler's fields, and a media type the answer names itself.
  assert.equal(direct!['a read with an ETag'], { etag: '"0"' });
  // The lab API's errors are OData's: its answers also name their OData version and metadata (JSON §4.1, Protocol §8.1.5).
  assert.equal(direct!['a 404 with Content-Language'], {
    'odata-version': '4.01',
    'content-type': 'application/json; metadata=none; charset=utf-8',
    'content-language': 'en',
  });
  assert.equal(direct!['a media type and a field of its own'], {
    'odata-version': '4.01',
    'content-type': 'application/merge-patch+json',
    'x-lab': 'typed',
  });
});

test('over HTTP, hop-by-hop fields (RFC 9110 section 7.6.1), the names Connection lists, Content-Length and Date are left out; the rest is kept', async () => {
  const fetch = async () =>
    new Response('{"ok":true}', {
      status: 200,
      headers: {
        connection: 'keep-alive, X-Hop',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        'x-hop': 'one connection only',
        'content-length': '11',
        date: 'Tue, 01 Dec 2026 00:00:00 GMT',
        'content-type': 'application/json; charset=utf-8',
        etag: '"7"',
        'x-request-id': 'r1',
        'cache-control': 'no-store',
      },
    });
  const c = createClient<unknown>({ transport: httpTransport({ baseUrl: 'http://x.invalid', fetch }) });
  const result = await (c as unknown as { GET(path: string): Promise<AnyResult> }).GET('/things');
  assert.equal(result.headers, { etag: '"7"', 'x-request-id': 'r1', 'cache-control': 'no-store' });
  // A media type other than the transports' default JSON one is the answer's: kept.
  const problem = async () =>
    new Response('{"title":"no"}', { status: 400, headers: { 'content-type': 'application/problem+json', date: 'x' } });
  const p = createClient<unknown>({ transport: httpTransport({ baseUrl: 'http://x.invalid', fetch: problem }) });
  const refused = await (p as unknown as { GET(path: string): Promise<AnyResult> }).GET('/things');
  assert.equal(refused.headers, { 'content-type': 'application/problem+json' });
});

test.run();
