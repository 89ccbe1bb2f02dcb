import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type BatchPrecheck, createEngine, exagoApi, type ResourceHandler } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS } from './support/exago-engine.js';

// A large Exago batch (2000 calls or more, answered from items) holds each call that waits to run
// as its method, path and payload, not as the sub-request object its decoder made: that object is
// made again when the call runs. Young-generation GC then copies no object per waiting call.

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** The items-only threshold (`ITEMS_FROM`). */
const LARGE = 2000;

interface Probe {
  /** The decoded sub-request of the last call, as the pre-pass saw it. */
  last: WeakRef<object> | undefined;
  /** Whether that object was still alive when the `Probe` call ran (after a full GC). */
  aliveAtProbe: boolean | undefined;
}

/** Exago's API with a `Probe` resource that runs a full GC, and a precheck that keeps a weak reference to the last sub-request. */
function probingCaller(probe: Probe) {
  const api = exagoApi({ configs: EXAMPLE_CONFIGS });
  const watchLast: BatchPrecheck = (requests) => {
    probe.last = new WeakRef(requests[requests.length - 1] as object);
  };
  const probeResource: ResourceHandler = {
    name: 'Probe',
    routes: [
      {
        method: 'GET',
        path: '',
        handle: async () => {
          // A turn of the event loop first: a WeakRef made in this job keeps its target until the job ends.
          await new Promise((resolve) => setImmediate(resolve));
          collect();
          probe.aliveAtProbe = probe.last?.deref() !== undefined;
          return { ok: true };
        },
      },
    ],
  };
  const engine = createEngine({
    apis: [{ ...api, resources: [...api.resources, probeResource], prechecks: [...(api.prechecks ?? []), watchLast] }],
    logger: { error: () => {} },
  });
  return createDirectCaller(engine);
}

/** POST Sessions, the probe, then POST/PATCH/GET/DELETE cycles on distinct parameters up to `size` calls. */
function batchOf(size: number): object[] {
  const calls: object[] = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Probe', Method: 'GET' },
  ];
  for (let k = 0; calls.length < size; k++) {
    const id = `P${k}`;
    calls.push(
      { Url: 'Parameters', Method: 'POST', Payload: { Id: id, DataType: 'String', Value: `v${k}`, PromptText: 'Enter a value' } },
      { Url: `Parameters/${id}`, Method: 'PATCH', Payload: { Value: `w${k}` } },
      { Url: `Parameters/${id}`, Method: 'GET' },
      { Url: `Parameters/${id}`, Method: 'DELETE' },
    );
  }
  return calls.slice(0, size);
}

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> | null };

test('a large batch lets go of the sub-requests its decoder made before they run', async () => {
  const probe: Probe = { last: undefined, aliveAtProbe: undefined };
  const res = await probingCaller(probe)({ url: '/rest/batch', body: batchOf(LARGE + 2) });
  assert.is(res.status, 200);
  assert.is(probe.aliveAtProbe, false);
});

test('a smaller batch keeps them until each runs', async () => {
  const probe: Probe = { last: undefined, aliveAtProbe: undefined };
  const res = await probingCaller(probe)({ url: '/rest/batch', body: batchOf(LARGE - 2) });
  assert.is(res.status, 200);
  assert.is(probe.aliveAtProbe, true);
});

test('each call of a large batch runs with its own method, path and payload, in order', async () => {
  const probe: Probe = { last: undefined, aliveAtProbe: undefined };
  const calls = batchOf(LARGE + 2);
  const res = await probingCaller(probe)({ url: '/rest/batch', body: calls });
  const items = res.body as Item[];
  assert.is(items.length, calls.length);
  assert.equal(
    items.slice(0, 6).map((item) => item.ReturnCode),
    ['201', '200', '201', '204', '200', '204'],
  );
  for (let k = 0; 2 + 4 * k + 3 < calls.length; k++) {
    const at = 2 + 4 * k;
    assert.is(items[at]?.ResponseContent?.Id, `P${k}`);
    assert.is(items[at]?.ResponseContent?.Value, `v${k}`);
    assert.is(items[at + 2]?.ResponseContent?.Value, `w${k}`, `GET of P${k}`);
    assert.is(items[at + 3]?.ReturnCode, '204');
  }
});

test('a call whose Url has a query keeps it in a large batch, and the batch-wide checks still see every call first', async () => {
  const probe: Probe = { last: undefined, aliveAtProbe: undefined };
  const calls = batchOf(LARGE + 2);
  // A second POST Sessions at the end breaks Exago's rules: the whole batch is refused before anything runs.
  const refused = await probingCaller(probe)({ url: '/rest/batch', body: [...calls, { Url: 'Sessions', Method: 'POST' }] });
  assert.is(refused.status, 400);
  assert.is(probe.aliveAtProbe, undefined);
  const withQuery = [...calls.slice(0, -1), { Url: 'Parameters/P0?x=1', Method: 'GET' }];
  const res = await probingCaller(probe)({ url: '/rest/batch', body: withQuery });
  const items = res.body as Item[];
  assert.is(items.at(-1)?.ReturnCode, '404');
});

test.run();
