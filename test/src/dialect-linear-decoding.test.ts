import 'reflect-metadata';
import { createEngine, exagoApi, type EngineOptions, odataDialect, type SubRequest } from '@restbatch/core';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';
import { type HttpJsonServer, serveJson } from './support/http-json.js';
import { securityApi, securityEngine } from './support/security-api.js';

// Every dialect counts the items against maxSubRequests before it looks at any one of them, and
// decodes in time linear in its input. No clock is read: the proofs are the error a decoder gives
// first and the size of what it builds.

type Rejection = { error?: { code: string; innererror?: { details?: unknown[] } }; errorCode?: string; code?: string; details?: unknown };

async function withServer(options: Partial<EngineOptions>, fn: (server: HttpJsonServer) => Promise<void>) {
  const engine = options.apis === undefined ? securityEngine(options).engine : createEngine(options as EngineOptions);
  const server = await serveJson(engine);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function codeOf(body: unknown): string | undefined {
  const b = body as Rejection;
  return b.error?.code ?? b.errorCode ?? b.code;
}

/**
 * `count` OData requests: an atomicity group of the first half, then the rest each depending on the
 * group (a request may not name its own group, OData JSON 4.01 §19.1).
 */
function groupAttack(count: number): { requests: unknown[] } {
  const half = count >> 1;
  const requests: unknown[] = [];
  for (let i = 0; i < half; i++) requests.push({ id: String(i), method: 'GET', url: `/Echo/${i}`, atomicityGroup: 'g' });
  for (let i = half; i < count; i++) requests.push({ id: String(i), method: 'GET', url: `/Echo/${i}`, dependsOn: ['g'] });
  return { requests };
}

test('13,300 OData requests, a group and requests that depend on it, are refused with 400 BATCH_TOO_MANY_REQUESTS', async () => {
  await withServer({ limits: { maxBodyBytes: 4 * 1024 * 1024 } }, async (server) => {
    const res = await server.post('/api/$batch', groupAttack(13_300));
    assert.is(res.status, 400);
    assert.is(codeOf(res.body), 'BATCH_TOO_MANY_REQUESTS');
    // OData JSON §21.1: `details` entries need code and message; the engine's go to innererror.
    assert.equal((res.body as Rejection).error!.innererror!.details, [{ count: 13_300, limit: 100 }]);
  });
});

test('every dialect counts its items before it reads any: an oversized batch of malformed items is too many, not malformed', async () => {
  await withServer({}, async (server) => {
    const odata = await server.post('/api/$batch', { requests: Array.from({ length: 101 }, () => ({ bogus: true })) });
    assert.is(odata.status, 400);
    assert.is(codeOf(odata.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(odata.body));
    const claimOdata = await server.post('/rest/claim/v1/$batch', { requests: Array.from({ length: 21 }, () => 'x') });
    assert.is(codeOf(claimOdata.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(claimOdata.body));
    const guidewire = await server.post('/rest/claim/v1/batch', { requests: Array.from({ length: 101 }, () => ({ method: 'bogus' })) });
    assert.is(guidewire.status, 400);
    assert.is(codeOf(guidewire.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(guidewire.body));
    assert.equal((guidewire.body as { details: unknown[] }).details, [{ count: 101, limit: 100 }]);
  });
  await withServer({ apis: [exagoApi({ configs: EXAMPLE_CONFIGS, maxSubRequests: 5 })] }, async (server) => {
    const calls = [{ Url: 'Sessions', Method: 'POST' }, 'Roles', ...Array.from({ length: 4 }, () => ({ Url: 'roles', Method: 'PUT' }))];
    const exago = await server.post('/rest/batch', calls);
    assert.is(exago.status, 400);
    assert.is(codeOf(exago.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(exago.body));
    assert.equal((exago.body as Rejection).details, { count: 6, limit: 5 });
    const atLimit = await server.post('/rest/batch', calls.slice(0, 5));
    assert.is(codeOf(atLimit.body), 'BATCH_MALFORMED', 'at the limit the items are read');
  });
});

test("the engine's limit is counted first too when it is below the endpoint's", async () => {
  await withServer({ apis: [securityApi(100)], limits: { maxSubRequests: 3 } }, async (server) => {
    const res = await server.post('/api/$batch', { requests: [{}, {}, {}, {}] });
    assert.is(codeOf(res.body), 'BATCH_TOO_MANY_REQUESTS', JSON.stringify(res.body));
    assert.equal((res.body as Rejection).error!.innererror!.details, [{ count: 4, limit: 3 }]);
  });
});

test('a 20-request batch whose requests all depend on a group runs: the group succeeds, so they all run', async () => {
  await withServer({ apis: [securityApi(20)] }, async (server) => {
    const requests: unknown[] = [];
    for (let i = 0; i < 10; i++) requests.push({ id: `m${i}`, method: 'GET', url: `/Echo/${i}`, atomicityGroup: 'g' });
    for (let i = 0; i < 10; i++) requests.push({ id: `d${i}`, method: 'GET', url: `/Echo/d${i}`, dependsOn: ['g'] });
    const res = await server.post('/api/$batch', { requests });
    assert.is(res.status, 200, JSON.stringify(res.body));
    const statuses = (res.body as { responses: Array<{ status: number }> }).responses.map((r) => r.status);
    assert.equal(statuses, Array(20).fill(200));
  });
});

test('requests that depend on a large group run when it succeeds and are skipped when any member fails', async () => {
  const size = 1500;
  await withServer({ apis: [securityApi(2 * size + 1)] }, async (server) => {
    const batch = (failAt: number | undefined) => {
      const requests: unknown[] = [];
      for (let i = 0; i < size; i++) {
        requests.push({ id: `m${i}`, method: 'GET', url: i === failAt ? '/Missing' : `/Echo/${i}`, atomicityGroup: 'g' });
      }
      for (let i = 0; i < size; i++) requests.push({ id: `d${i}`, method: 'GET', url: `/Echo/d${i}`, dependsOn: ['g'] });
      requests.push({ id: 'free', method: 'GET', url: '/Echo/free' });
      return { requests };
    };
    const ok = await server.post('/api/$batch', batch(undefined), { prefer: 'continue-on-error' });
    assert.is(ok.status, 200);
    const okItems = (ok.body as { responses: Array<{ status: number }> }).responses;
    assert.ok(okItems.every((r) => r.status === 200));
    for (const failAt of [0, size >> 1, size - 1]) {
      const res = await server.post('/api/$batch', batch(failAt), { prefer: 'continue-on-error' });
      const items = (res.body as { responses: Array<{ id: string; status: number; body?: { error?: { code: string } } }> }).responses;
      assert.is(items[failAt]!.status, 404);
      const dependents = items.slice(size, 2 * size);
      assert.ok(
        dependents.every((r) => r.status === 424 && r.body?.error?.code === 'DEPENDENCY_FAILED'),
        `failing member ${failAt}: every dependent is skipped`,
      );
      assert.is(items[2 * size]!.status, 200, 'a request that depends on nothing still runs');
    }
  });
});

const context = (maxSubRequests: number) => ({ query: Object.create(null), headers: Object.create(null), maxSubRequests });

test('decoding N requests that depend on a group of N builds N dependencies, not N squared', () => {
  const n = 10_000;
  const decoded = odataDialect().decode(groupAttack(n), context(n)).requests;
  let total = 0;
  for (const sub of decoded) total += sub.dependsOn?.length ?? 0;
  assert.is(total, n / 2);
  // The group is named once (the executor meets it when every member answered 2xx), not as its member list.
  assert.equal(decoded[n - 1]!.dependsOn, ['g']);
});

/** A random OData batch: contiguous groups, and dependencies on earlier ids and groups. */
const batchShape = fc.array(
  fc.record({
    group: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    deps: fc.array(fc.nat(), { maxLength: 4 }),
  }),
  { minLength: 1, maxLength: 60 },
);

test('property: each dependsOn decodes to as many names as it lists, a group to its name as written', () => {
  fc.assert(
    fc.property(batchShape, (shape) => {
      const requests: Array<Record<string, unknown>> = [];
      const names: string[] = [];
      // The group of each request that has one, by id.
      const groupOf = new Map<string, string>();
      const expected: Array<string[] | undefined> = [];
      shape.forEach((item, i) => {
        const id = `r${i}`;
        const request: Record<string, unknown> = { id, method: 'GET', url: `/Echo/${i}` };
        // Groups are one contiguous run each: a new group name per run keeps the batch valid.
        let group: string | undefined;
        if (item.group !== undefined) {
          const previous = requests[i - 1]?.atomicityGroup as string | undefined;
          group = previous?.startsWith(`g${item.group}-`) ? previous : `g${item.group}-${i}`;
        }
        // A request may not name its own group (§19.1: "preceding request objects").
        const named = names.filter((name) => name !== group);
        if (item.deps.length > 0 && named.length > 0) {
          const deps = item.deps.map((k) => named[k % named.length] as string);
          // §19.1: "If a request depends on another request that is part of a different atomicity
          // group, the atomicity group MUST be listed in dependsOn".
          for (const dep of [...deps]) {
            const of = groupOf.get(dep);
            if (of !== undefined && of !== group && !deps.includes(of)) deps.push(of);
          }
          request.dependsOn = deps;
          expected.push(deps);
        } else expected.push(undefined);
        if (group !== undefined) {
          request.atomicityGroup = group;
          groupOf.set(id, group);
          if (!names.includes(group)) names.push(group);
        }
        names.push(id);
        requests.push(request);
      });
      const decoded: SubRequest[] = odataDialect().decode({ requests }, context(requests.length)).requests;
      for (const sub of decoded) assert.equal(sub.dependsOn, expected[sub.index], `request ${sub.index}`);
    }),
    { numRuns: 300 },
  );
});

test.run();
