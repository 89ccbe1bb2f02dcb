import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { batch, bounded, call, type ExampleNode, type Item, sleep, startNode, stopNode, until } from './support/example-nodes.js';
import { multiNodeCases } from './support/multi-node-cases.js';
import { useRedis } from './support/redis-server.js';

const test = suite('two example-server nodes sharing one redis');
const { it, server } = useRedis(test);

let nodes: ExampleNode[] = [];
/** Every node process spawned, listening or not: the suite's `after` ends them all. */
const children: ChildProcess[] = [];

test.before(async () => {
  let url: string;
  try {
    url = server().url;
  } catch {
    return; // No redis-server: the tests are skipped by name and no node is needed.
  }
  nodes = await Promise.all([startNode({ REDIS_URL: url }, children), startNode({ REDIS_URL: url }, children)]);
});

test.after(async () => {
  await Promise.all(children.map(stopNode));
});

multiNodeCases({ it, nodes: () => nodes, countSessions });

it('Redis stopped mid-run: sub-requests fail with 503 STORE_UNAVAILABLE, both nodes keep answering, and service is correct once it is back', async () => {
  const outcomes: Array<{ phase: 'up' | 'down' | 'back'; status: number; items: Item[]; node: number }> = [];
  let phase: 'up' | 'down' | 'back' = 'up';
  let running = true;
  const count = (p: string, ok: boolean) => outcomes.filter((o) => o.phase === p && (o.items[0]?.ReturnCode === '201') === ok).length;
  const load = bounded(10, 10, async (worker) => {
    while (running) {
      const r = await batch(nodes[worker % 2]!);
      outcomes.push({ phase, status: r.status, items: r.items, node: worker % 2 });
      await sleep(5);
    }
  });
  try {
    await until(() => count('up', true) >= 50);
    await server().stop();
    phase = 'down';
    await until(() => count('down', false) >= 20);
    await server().start();
    phase = 'back';
    await until(() => count('back', true) >= 50);
  } finally {
    // Whatever failed above, the load stops: a loop left running would hold the suite open.
    running = false;
    await load;
  }

  for (const node of nodes) assert.is(node.child.exitCode, null, 'a node crashed');
  assert.equal([...new Set(outcomes.map((o) => o.status))], [200]);
  const down = outcomes.filter((o) => o.phase === 'down' && o.items.some((i) => Number(i.ReturnCode) >= 400));
  assert.ok(down.length >= 20);
  for (const o of down) {
    // Sessions needs the store: 503 there; what follows in the batch has no session to run in.
    const codes = o.items.map((i) => i.ResponseContent.code ?? i.ReturnCode);
    assert.ok(codes.includes('STORE_UNAVAILABLE'), JSON.stringify(codes));
    for (const item of o.items)
      if (Number(item.ReturnCode) >= 400) assert.ok(['503', '401'].includes(item.ReturnCode), JSON.stringify(codes));
  }
  // Every batch reported as a success once Redis is back really wrote its session: the other node reads it.
  const succeeded = outcomes.filter((o) => o.phase === 'back' && o.items.every((i) => Number(i.ReturnCode) < 400));
  assert.ok(succeeded.length >= 50);
  for (const o of succeeded.slice(-50)) {
    const other = nodes[1 - o.node]!;
    const sid = o.items[0]!.ResponseContent.Id!;
    assert.equal((await call(`${other.url}/rest/Roles/MyRole?sid=${sid}`, 'GET')).body, { Id: 'MyRole', IsActive: true });
  }
});

async function countSessions(): Promise<number> {
  const raw = new Redis(server().url);
  try {
    let total = 0;
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', 'restbatch:{*}:data', 'COUNT', 1000);
      cursor = next;
      total += keys.length;
    } while (cursor !== '0');
    return total;
  } finally {
    raw.disconnect();
  }
}

test.run();
