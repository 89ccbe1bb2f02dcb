import 'reflect-metadata';
import { MemorySessionStore } from '@restbatch/core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { type HttpJsonServer, serveJson } from './support/http-json.js';

// Exago's Sessions rules are decided on the route each call reaches after the router decoded its
// Url, so no spelling of `Sessions` gets around them. Everything goes through node:http.

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { code?: string } };
type Rejection = { reason: string; code: string; details?: { index: number } };

const SESSION = { Url: 'Sessions', Method: 'POST' };

async function withServer(fn: (server: HttpJsonServer, store: MemorySessionStore) => Promise<void>, allowExistingSession = false) {
  const store = new MemorySessionStore();
  const { engine } = exagoEngine({ allowExistingSession }, { store });
  const server = await serveJson(engine);
  try {
    await fn(server, store);
  } finally {
    await server.close();
  }
}

/** Posts `calls` and asserts the batch was rejected whole with BATCH_RULE_VIOLATION; returns the reason. */
async function violation(server: HttpJsonServer, calls: unknown[], url = '/rest/batch'): Promise<Rejection> {
  const res = await server.post(url, calls);
  assert.is(res.status, 400, JSON.stringify(res.body));
  assert.not.ok(Array.isArray(res.body), 'a rejected batch has no per-call results');
  const body = res.body as Rejection;
  assert.is(body.code, 'BATCH_RULE_VIOLATION');
  return body;
}

test('a second POST Sessions in any spelling the router decodes is refused whole and creates no session', async () => {
  await withServer(async (server, store) => {
    for (const Url of ['Session%73', 'Sessi%6fns', 'Sessi%6Fns', 'Se%73%73ions', 'Sessions#again', 'Session%73#x']) {
      const body = await violation(server, [SESSION, { Url: 'Roles', Method: 'GET' }, { Url, Method: 'POST' }]);
      assert.is(body.reason, 'Call 2: only the first call of a batch may be POST Sessions', Url);
      assert.equal(body.details, { index: 2 });
    }
    assert.is(store.size, 0);
  });
});

test('a batch of many encoded POST Sessions is refused whole: one batch cannot mint sessions', async () => {
  await withServer(async (server, store) => {
    const calls = [SESSION, ...Array.from({ length: 500 }, () => ({ Url: 'Session%73', Method: 'POST' }))];
    const body = await violation(server, calls);
    assert.match(body.reason, /^Call 1: only the first call/);
    assert.is(store.size, 0);
  });
});

test('a second POST Sessions whose Url starts with an escape is refused whole too', async () => {
  await withServer(async (server, store) => {
    for (const Url of ['%53essions', '%53ession%73']) {
      const body = await violation(server, [SESSION, { Url, Method: 'POST' }]);
      assert.match(body.reason, /^Call 1: /);
    }
    assert.is(store.size, 0);
  });
});

test('Sessions/{sid} in any spelling is refused whole, before anything runs', async () => {
  await withServer(async (server, store) => {
    const sid = 'a'.repeat(32);
    for (const [Url, Method] of [
      [`Session%73/${sid}`, 'GET'],
      [`Sessi%6fns/${sid}`, 'DELETE'],
      [`Sessions/${sid}#x`, 'GET'],
    ] as const) {
      const body = await violation(server, [SESSION, { Url, Method }]);
      // The method actually sent is named (a POST to Sessions/ is not a GET, PATCH or DELETE).
      assert.is(body.reason, `Call 1: ${Method} Sessions/{sid} is not supported in a batch`, Url);
    }
    assert.is(store.size, 0);
  });
});

test('a method Sessions does not take, in any spelling, is refused whole', async () => {
  await withServer(async (server) => {
    const body = await violation(server, [SESSION, { Url: 'Session%73', Method: 'GET' }]);
    assert.is(body.reason, 'Call 1: GET Sessions is not supported in a batch');
  });
});

test('an encoded slash keeps Sessions%2F.. off the Sessions routes: it fails alone and creates nothing', async () => {
  await withServer(async (server, store) => {
    for (const Url of ['Sessions%2F..', 'Sessions%2f', 'Sessions%2f%2e%2e']) {
      const res = await server.post('/rest/batch', [SESSION, { Url, Method: 'POST' }]);
      assert.is(res.status, 200, JSON.stringify(res.body));
      const items = res.body as Item[];
      assert.is(items[0]!.ReturnCode, '201');
      assert.is(items[1]!.ReturnCode, '404', Url);
      assert.is(items[1]!.ResponseContent.code, 'ROUTE_NOT_FOUND');
    }
    assert.is(store.size, 3, 'one session per batch, from its first call');
  });
});

test('a trailing slash reaches no Sessions route (an empty {sid} is none): it fails alone with 404 and creates nothing', async () => {
  await withServer(async (server, store) => {
    for (const [Url, Method] of [
      ['Sessions/', 'POST'],
      ['Session%73/', 'GET'],
      ['Sessions/', 'DELETE'],
    ] as const) {
      const res = await server.post('/rest/batch', [SESSION, { Url, Method }]);
      assert.is(res.status, 200, JSON.stringify(res.body));
      const items = res.body as Item[];
      assert.is(items[0]!.ReturnCode, '201');
      assert.is(items[1]!.ReturnCode, '404', Url);
      assert.is(items[1]!.ResponseContent.code, 'ROUTE_NOT_FOUND');
    }
    assert.is(store.size, 3, 'one session per batch, from its first call');
  });
});

test('the first call may spell POST Sessions with escapes: it is the same route, and ?config= still reaches it', async () => {
  await withServer(async (server, store) => {
    const res = await server.post('/rest/batch?config=Detailed', [
      { Url: 'Session%73', Method: 'POST' },
      { Url: 'Roles', Method: 'GET' },
    ]);
    assert.is(res.status, 200, JSON.stringify(res.body));
    const items = res.body as Item[];
    assert.is(items[0]!.ReturnCode, '201');
    assert.is(items[0]!.ResponseContent.ShowErrorDetail, true, 'the Detailed config applies');
    assert.is((items[1]!.ResponseContent as unknown as unknown[]).length, 2, 'Detailed has two roles');
    assert.is(store.size, 1);
    const unknown = await server.post('/rest/batch?config=Nope', [{ Url: 'Sessi%6fns', Method: 'POST' }]);
    assert.is(unknown.status, 400);
    assert.is((unknown.body as Rejection).code, 'CONFIG_UNKNOWN');
    assert.is(store.size, 1);
  });
});

test('a first call that only looks like Sessions is not POST Sessions: the batch is refused whole', async () => {
  await withServer(async (server, store) => {
    for (const Url of ['Sessions%2f', 'Sessions/', 'SessionS']) {
      const body = await violation(server, [{ Url, Method: 'POST' }]);
      assert.match(body.reason, /^Call 0: /, Url);
    }
    assert.is(store.size, 0);
  });
});

test('a reference cannot choose the resource a call reaches: S${...} is refused whole', async () => {
  await withServer(async (server, store) => {
    const body = await violation(server, [
      { Url: 'Sessions', Method: 'POST', Payload: { Page: 'essions' } },
      { Url: 'S${0/body/Page}', Method: 'POST' },
    ]);
    assert.match(body.reason, /^Call 1: references in a Url may fill a parameter/);
    assert.is(store.size, 0);
  });
});

test('a reference that fills a parameter still runs, its route known before the batch runs', async () => {
  await withServer(async (server, store) => {
    const res = await server.post('/rest/batch', [
      SESSION,
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'P1', DataType: 'String', Value: 'v' } },
      { Url: 'Parameters/${1/body/Id}', Method: 'GET' },
    ]);
    assert.is(res.status, 200, JSON.stringify(res.body));
    const items = res.body as Item[];
    assert.equal(
      items.map((i) => i.ReturnCode),
      ['201', '201', '200'],
    );
    assert.is(items[2]!.ResponseContent.Id, 'P1');
    assert.is(store.size, 1);
  });
});

test('with allowExistingSession, an encoded POST Sessions after the first call is still refused', async () => {
  await withServer(async (server, store) => {
    const opened = await server.post('/rest/batch', [SESSION]);
    const sid = String((opened.body as Item[])[0]!.ResponseContent.Id);
    const body = await violation(
      server,
      [
        { Url: 'Roles', Method: 'GET' },
        { Url: 'Session%73', Method: 'POST' },
      ],
      `/rest/batch?sid=${sid}`,
    );
    assert.is(body.reason, 'Call 1: only the first call of a batch may be POST Sessions');
    assert.is(store.size, 1);
  }, true);
});

test.run();
