import { type AnyResult, createClient } from '@restbatch/client';
import { directTransport } from '@restbatch/client/direct';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientTestEngine } from './support/client-engine.js';
import type { TestPaths } from './support/client-harness.js';

const parameter = (id: string) => ({
  Id: id,
  DataType: 'String' as const,
  Value: `value of ${id}`,
  PromptText: 'Enter a value',
  IsHidden: false,
});

test('calls in a row on one resource, then on another and back, each reach their own path (a template keeps the path of its last id)', async () => {
  const { engine } = clientTestEngine();
  const c = createClient<TestPaths>({ transport: directTransport(engine), endpoints: { '/rest/batch': 'exago' } });
  const on = (id: string) => ({ params: { path: { id } } });
  try {
    const results = (await Promise.all([
      c.POST('/rest/Sessions'),
      c.POST('/rest/Parameters', { body: parameter('P1') }),
      c.POST('/rest/Parameters', { body: parameter('P2') }),
      c.GET('/rest/Parameters/{id}', on('P1')),
      c.GET('/rest/Parameters/{id}', on('P1')),
      c.GET('/rest/Parameters/{id}', on('P2')),
      c.DELETE('/rest/Parameters/{id}', on('P1')),
      c.GET('/rest/Parameters/{id}', on('P1')),
      c.GET('/rest/Parameters/{id}', on('P2')),
      // Same text, another string: the same path.
      c.GET('/rest/Parameters/{id}', on(['P', '2'].join(''))),
    ] as Promise<AnyResult>[])) as AnyResult[];
    assert.equal(
      results.map((r) => [r.status, r.ok ? (r.data as { Value?: string } | undefined)?.Value : undefined]),
      [
        [201, undefined],
        [201, 'value of P1'],
        [201, 'value of P2'],
        [200, 'value of P1'],
        [200, 'value of P1'],
        [200, 'value of P2'],
        [204, undefined],
        [404, undefined],
        [200, 'value of P2'],
        [200, 'value of P2'],
      ],
    );
  } finally {
    await c.close();
    await engine.close();
  }
});

test('ticks of 3, 1 and 2 calls after one another each go as their own batch, every call answered in order', async () => {
  const { engine } = clientTestEngine();
  const c = createClient<TestPaths>({ transport: directTransport(engine), endpoints: { '/rest/batch': 'exago' } });
  const tick = (ids: string[]) =>
    Promise.all([
      c.POST('/rest/Sessions'),
      ...ids.map((id) => c.POST('/rest/Parameters', { body: parameter(id) })),
    ] as Promise<AnyResult>[]);
  try {
    for (const ids of [['A1', 'A2'], [], ['C1']]) {
      const results = (await tick(ids)) as AnyResult[];
      assert.equal(
        results.map((r) => r.status),
        [201, ...ids.map(() => 201)],
      );
      assert.equal(
        results.slice(1).map((r) => (r.data as { Id?: string }).Id),
        ids,
      );
    }
  } finally {
    await c.close();
    await engine.close();
  }
});

test('a batch whose results were all taken as they streamed (streamOnly) still answers their summary', async () => {
  const { engine } = clientTestEngine();
  const call = createDirectCaller(engine);
  const statuses: unknown[] = [];
  try {
    const response = await call({
      url: '/rest/batch',
      body: [
        { Url: 'Sessions', Method: 'POST' },
        { Url: 'Parameters', Method: 'POST', Payload: parameter('S1') },
        { Url: 'Parameters/S1', Method: 'GET' },
        { Url: 'Parameters/missing', Method: 'GET' },
      ],
      onResult: (item) => statuses.push((item as { ReturnCode: string }).ReturnCode),
      streamOnly: true,
    });
    assert.equal(statuses, ['201', '201', '200', '404']);
    assert.is(response.body, undefined);
    assert.is(response.headers['restbatch-summary'], 'succeeded=3, failed=1, skipped=0');
  } finally {
    await engine.close();
  }
});

test.run();
