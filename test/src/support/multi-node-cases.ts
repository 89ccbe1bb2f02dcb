import { request } from 'undici';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './exago-engine.js';
import { batch, bounded, call, type ExampleNode } from './example-nodes.js';

const JSON_TYPE = { 'content-type': 'application/json' };

/** Where the two-node cases run: two example servers sharing one Redis, Cluster... */
export interface MultiNodeEnv {
  it: (name: string, fn: () => Promise<void>) => void;
  /** The two running nodes. */
  nodes: () => ExampleNode[];
  /** How many sessions the shared Redis holds (on every primary). */
  countSessions: () => Promise<number>;
}

/** Two example-server nodes sharing a Redis topology: sessions, idempotency and quotas hold across them. */
export function multiNodeCases(env: MultiNodeEnv): void {
  const { it, countSessions } = env;
  it('a session made by a batch on node A is read and changed by ordinary calls on node B', async () => {
    const [a, b] = env.nodes() as [ExampleNode, ExampleNode];
    const made = await batch(a);
    assert.equal(
      made.items.map((i) => i.ReturnCode),
      ['201', '204', '201'],
    );
    const sid = made.items[0]!.ResponseContent.Id!;
    assert.equal((await call(`${b.url}/rest/Roles/MyRole?sid=${sid}`, 'GET')).body, { Id: 'MyRole', IsActive: true });
    assert.is((await call(`${b.url}/rest/Roles/MyRole?sid=${sid}`, 'PATCH', { IsActive: false })).status, 204);
    assert.equal((await call(`${a.url}/rest/Roles/MyRole?sid=${sid}`, 'GET')).body, { Id: 'MyRole', IsActive: false });
    const added = await call(`${b.url}/rest/Parameters?sid=${sid}`, 'POST', { Id: 'Region', DataType: 'String', Value: 'EU' });
    assert.is(added.status, 201);
    const onA = (await call(`${a.url}/rest/Parameters?sid=${sid}`, 'GET')).body as Array<{ Id: string; Value: unknown }>;
    assert.equal(
      onA.map((p) => [p.Id, p.Value]),
      [
        ['MyParameter', ''],
        ['Region', 'EU'],
      ],
    );
    const forged = await call(`${b.url}/rest/Parameters?sid=${sid.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`, 'GET');
    assert.is(forged.status, 401);
    assert.is((forged.body as { code: string }).code, 'SESSION_NOT_FOUND');
  });

  it('the same Idempotency-Key sent to both nodes runs the batch once: one session, the other answers are replays or 409', async () => {
    const before = await countSessions();
    const send = async (node: ExampleNode) => {
      const res = await request(`${node.url}/rest/batch`, {
        method: 'POST',
        headers: { ...JSON_TYPE, 'idempotency-key': 'multi-node-1' },
        body: JSON.stringify(SEED_BATCH),
      });
      return { status: res.statusCode, replayed: res.headers['idempotent-replayed'], body: (await res.body.json()) as unknown };
    };
    const [a, b] = env.nodes() as [ExampleNode, ExampleNode];
    const concurrent = await Promise.all([send(a), send(b)]);
    const later = [await send(b), await send(a)];
    const answers = [...concurrent, ...later];
    for (const r of answers) assert.ok(r.status === 200 || r.status === 409, String(r.status));
    const ran = answers.filter((r) => r.status === 200 && r.replayed === undefined);
    assert.is(ran.length, 1);
    for (const r of later) assert.is(r.replayed, 'true');
    for (const r of answers.filter((x) => x.status === 200)) assert.equal(r.body, ran[0]!.body);
    assert.is((await countSessions()) - before, 1);
  });

  it('1000 batches sent concurrently across both nodes make 1000 distinct sessions without an error; one caller keeps at most 100 live', async () => {
    const results = await bounded(1000, 50, (i) => batch(env.nodes()[i % 2]!));
    const ids = new Set<string>();
    for (const r of results) {
      assert.is(r.status, 200);
      assert.equal(
        r.items.map((i) => i.ReturnCode),
        ['201', '204', '201'],
      );
      ids.add(r.items[0]!.ResponseContent.Id!);
    }
    assert.is(ids.size, 1000);
    // Every batch comes from one address: its least-recently-used sessions were ended past the quota.
    assert.is(await countSessions(), 100);
  });
}
