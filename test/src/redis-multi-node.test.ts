import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SEED_BATCH } from './support/exago-engine.js';
import { withinTime } from './support/guarded-test.js';
import { useRedis } from './support/redis-server.js';

const test = suite('two example-server nodes sharing one redis');
const { it, server } = useRedis(test);
const MAIN = fileURLToPath(new URL('../../examples/server/dist/main.js', import.meta.url));
const JSON_TYPE = { 'content-type': 'application/json' };

type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string; code?: string } };

interface Node {
  readonly child: ChildProcess;
  readonly url: string;
}

let nodes: Node[] = [];
/** Every node process spawned, listening or not: the suite's `after` ends them all. */
const children: ChildProcess[] = [];

/** Starts `node examples/server/dist/main.js` on a free port with REDIS_URL, and reads the URL it prints. */
async function startNode(redisUrl: string): Promise<Node> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (found !== null) resolve(found[1]!);
    });
    child.once('exit', (code) => reject(new Error(`example server exited with ${code} before listening:\n${out}`)));
  });
  // Keep draining stdout (one log line per batch) so the child never blocks on a full pipe.
  child.stdout!.resume();
  return { child, url };
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    method: method as 'GET',
    headers: JSON_TYPE,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) };
}

async function batch(node: Node, body: unknown = SEED_BATCH): Promise<{ status: number; items: Item[] }> {
  const res = await call(`${node.url}/rest/batch`, 'POST', body);
  return { status: res.status, items: res.body as Item[] };
}

/** Runs `count` tasks with at most `limit` in flight. */
async function bounded<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test.before(async () => {
  let url: string;
  try {
    url = server().url;
  } catch {
    return; // No redis-server: the tests are skipped by name and no node is needed.
  }
  nodes = await Promise.all([startNode(url), startNode(url)]);
});

test.after(async () => {
  await Promise.all(children.map(stopNode));
});

/** Ends a node: SIGTERM, SIGKILL after 5 s; returns at once when it has already gone (exit code or signal). */
async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit').then(() => true);
  child.kill('SIGTERM');
  if (await withinTime(gone, 5000, 'the example server').catch(() => false)) return;
  child.kill('SIGKILL');
  await withinTime(gone, 5000, 'the example server after SIGKILL');
}

it('a session made by a batch on node A is read and changed by ordinary calls on node B', async () => {
  const [a, b] = nodes as [Node, Node];
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
  const send = async (node: Node) => {
    const res = await request(`${node.url}/rest/batch`, {
      method: 'POST',
      headers: { ...JSON_TYPE, 'idempotency-key': 'multi-node-1' },
      body: JSON.stringify(SEED_BATCH),
    });
    return { status: res.statusCode, replayed: res.headers['idempotent-replayed'], body: (await res.body.json()) as unknown };
  };
  const [a, b] = nodes as [Node, Node];
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
  const results = await bounded(1000, 50, (i) => batch(nodes[i % 2]!));
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

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 30_000) throw new Error('condition not reached within 30 s');
    await sleep(20);
  }
}

test.run();
