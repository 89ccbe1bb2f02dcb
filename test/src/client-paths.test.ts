// How the client turns a path template and its parameters into the URL it sends, and which batch
// endpoint a call goes under: a recording transport shows what left the client.
import { createClient, type Transport, type WireRequest } from '@restbatch/client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

type Loose = Record<string, (path: string, init?: object) => Promise<{ ok: boolean }>>;

/** A client over a transport that records each request and answers every call of a batch 200. */
function recordingClient(endpoints: Record<string, 'exago' | 'odata'>) {
  const sent: WireRequest[] = [];
  const transport: Transport = {
    send: async (request) => {
      sent.push(request);
      const calls = Array.isArray(request.body) ? request.body : [];
      return { status: 200, headers: {}, body: calls.map(() => ({ ReturnCode: '200', ResponseContent: {} })) };
    },
  };
  return { sent, client: createClient({ transport, endpoints }) as unknown as Loose };
}

test('a path parameter is percent-encoded as one segment, keeping letters, digits, _ . ~ - : and @', async () => {
  const { sent, client } = recordingClient({ '/rest/batch': 'exago' });
  const ids = ['P-0_a.b~c', 'cc:22@home', 'a b/c?d#e', 'é€', '%41', '$x{y}'];
  await Promise.all([client.POST('/rest/Sessions'), ...ids.map((id) => client.GET('/rest/Roles/{id}', { params: { path: { id } } }))]);
  assert.is(sent.length, 1);
  assert.equal(
    (sent[0]!.body as Array<{ Url: string }>).map((c) => c.Url),
    [
      'Sessions',
      'Roles/P-0_a.b~c',
      'Roles/cc:22@home',
      'Roles/a%20b%2Fc%3Fd%23e',
      'Roles/%C3%A9%E2%82%AC',
      'Roles/%2541',
      'Roles/%24x%7By%7D',
    ],
  );
});

test("a plain call's path parameter that reads like a reference is encoded: it is text (only an explicit batch makes references)", async () => {
  const { sent, client } = recordingClient({ '/rest/batch': 'exago' });
  await Promise.all([client.POST('/rest/Sessions'), client.GET('/rest/Roles/{id}', { params: { path: { id: '${0/body/Id}' } } })]);
  assert.equal(
    (sent[0]!.body as Array<{ Url: string }>).map((c) => c.Url),
    ['Sessions', 'Roles/%24%7B0%2Fbody%2FId%7D'],
  );
});

test('a template whose parameter falls inside an endpoint base goes where each filled path belongs', async () => {
  const { sent, client } = recordingClient({ '/rest/batch': 'exago' });
  const read = (api: string) => client.GET('/{api}/Roles', { params: { path: { api } } });
  await Promise.all([client.POST('/rest/Sessions'), read('rest'), read('other'), read('rest')]);
  // The batch holds the calls under /rest; the one under /other went alone, as an ordinary request.
  const batch = sent.find((r) => r.url === '/rest/batch');
  assert.equal(
    ((batch?.body ?? []) as Array<{ Url: string }>).map((c) => c.Url),
    ['Sessions', 'Roles', 'Roles'],
  );
  assert.ok(
    sent.some((r) => r.method === 'GET' && r.url === '/other/Roles'),
    sent.map((r) => `${r.method} ${r.url}`).join(', '),
  );
});

test('a client keeps each path and template it was called with up to a bound, and calls past it still go where they belong', async () => {
  const { sent, client } = recordingClient({ '/rest/batch': 'exago' });
  // Paths built by the caller (no template): more of them than the client keeps (1024), then templates again.
  const session = client.POST('/rest/Sessions');
  const built = Array.from({ length: 1500 }, (_, i) => client.GET(`/rest/Roles/R${i}`));
  const templated = ['a', 'b'].map((id) => client.DELETE('/rest/Parameters/{id}', { params: { path: { id } } }));
  const results = await Promise.all([session, ...built, ...templated, client.GET('/rest/Roles/R7')]);
  assert.ok(results.every((r) => r.ok));
  assert.is(sent.length, 1);
  const urls = (sent[0]!.body as Array<{ Url: string; Method: string }>).map((c) => `${c.Method} ${c.Url}`);
  assert.is(urls.length, 1504);
  assert.equal(urls.slice(0, 3), ['POST Sessions', 'GET Roles/R0', 'GET Roles/R1']);
  assert.equal(urls.slice(-4), ['GET Roles/R1499', 'DELETE Parameters/a', 'DELETE Parameters/b', 'GET Roles/R7']);
});

test('a path without parameters outside every endpoint is sent alone, each time', async () => {
  const { sent, client } = recordingClient({ '/rest/batch': 'exago' });
  await Promise.all([client.GET('/health'), client.GET('/health')]);
  await client.GET('/health');
  assert.equal(
    sent.map((r) => `${r.method} ${r.url}`),
    ['GET /health', 'GET /health', 'GET /health'],
  );
});

test.run();
