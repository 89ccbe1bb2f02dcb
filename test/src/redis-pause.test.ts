import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedis } from './support/redis-server.js';

const test = suite('redis paused longer than the command timeout');
const { it, server, closing } = useRedis(test);

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string; code?: string } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('every answer tells the truth: no 503 for a write that stays applied, no rolled-back batch whose session stays', async () => {
  const prefix = 'pause:';
  const store = new RedisSessionStore({ url: server().url, keyPrefix: prefix, commandTimeoutMs: 1000, onError: () => undefined });
  closing(() => store.close());
  // Every batch of this engine is atomic: a failure rolls the whole batch back, its session included.
  const { call } = exagoEngine({}, { store, apis: [exagoTestApi([], true)] });
  const seeded = await call({ url: '/rest/batch', body: SEED_BATCH });
  const sid = (seeded.body as Item[])[0]!.ResponseContent.Id!;

  const ordinary: Array<{ id: string; status: number }> = [];
  const batches: Array<{ ok: boolean; codes: string[]; sid: string | undefined }> = [];
  let paused = false;
  let running = true;
  let n = 0;
  const adders = Array.from({ length: 8 }, async () => {
    while (running) {
      const id = `P${n++}`;
      const res = await call({ url: `/rest/Parameters?sid=${sid}`, method: 'POST', body: { Id: id, DataType: 'String', Value: id } });
      ordinary.push({ id, status: res.status });
      await sleep(2);
    }
  });
  const batchers = Array.from({ length: 4 }, async () => {
    while (running) {
      const res = await call({ url: '/rest/batch', body: SEED_BATCH });
      const items = res.body as Item[];
      const codes = items.map((i) => i.ResponseContent.code ?? i.ReturnCode);
      const ok = items.every((i) => Number(i.ReturnCode) < 400);
      batches.push({ ok, codes, sid: ok ? items[0]!.ResponseContent.Id : undefined });
      await sleep(2);
    }
  });
  const pid = server().pid!;
  try {
    await sleep(400);
    process.kill(pid, 'SIGSTOP');
    paused = true;
    await sleep(2500);
  } finally {
    if (paused) process.kill(pid, 'SIGCONT');
  }
  try {
    const before = ordinary.filter((o) => o.status === 201).length;
    for (let waited = 0; ordinary.filter((o) => o.status === 201).length < before + 50 && waited < 10_000; waited += 50) await sleep(50);
  } finally {
    running = false;
    await Promise.all([...adders, ...batchers]);
  }
  // What the store owes Redis (undoing writes whose client gave up, finishing destroys) is paid now.
  await store.compensated();
  // A late command still queued in Redis would run now: give it time to do harm, if it could.
  await sleep(200);

  const raw = new Redis(server().url);
  try {
    const stored = await raw.hgetall(`${prefix}{${sid}}:c:parameters`);
    const unavailable = ordinary.filter((o) => o.status === 503);
    assert.ok(unavailable.length > 0, 'the pause made no call fail: the test proves nothing');
    for (const o of ordinary) {
      if (o.status === 201) assert.ok(stored[o.id] !== undefined, `${o.id} answered 201 but is not stored`);
      else {
        assert.is(o.status, 503, `${o.id} answered ${o.status}`);
        assert.is(stored[o.id], undefined, `${o.id} answered 503 but is stored`);
      }
    }
    const failed = batches.filter((b) => !b.ok);
    assert.ok(failed.length > 0, 'the pause made no batch fail: the test proves nothing');
    for (const b of failed)
      for (const code of b.codes) assert.ok(['STORE_UNAVAILABLE', 'ROLLED_BACK', 'ROLLBACK_PENDING', 'SKIPPED'].includes(code), code);
    // Every session in Redis is the seed's or one of a batch answered as a success (not all of those:
    // one caller keeps at most 100 live sessions, so older ones were ended); none of a rolled-back batch.
    const sessions: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}{*}:data`, 'COUNT', 1000);
      cursor = next;
      sessions.push(...keys.map((key) => key.slice(key.indexOf('{') + 1, key.indexOf('}'))));
    } while (cursor !== '0');
    const reported = new Set([sid, ...batches.flatMap((b) => (b.sid === undefined ? [] : [b.sid]))]);
    const strays = sessions.filter((id) => !reported.has(id));
    assert.equal(strays, [], 'sessions of batches answered as failed or rolled back are still in Redis');
    assert.ok(sessions.includes(sid));
  } finally {
    raw.disconnect();
  }
});

test.run();
