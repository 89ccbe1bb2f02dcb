import { createHash } from 'node:crypto';
import { failFastOptions, RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine, SEED_BATCH } from './support/exago-engine.js';
import { useRedis } from './support/redis-server.js';

// Redis Cluster's rule for scripts (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/,
// "Script parameterization"): "the script should only access keys whose names are given as input
// arguments", so that Redis knows them before the script runs and, while a slot migrates, refuses
// the whole script (TRYAGAIN) instead of stopping it halfway. The one allowance the store makes is
// main's resharding rule (session-scripts.ts): a key found inside the script may be reached only
// by a multi-key command that also names a declared key, which Redis refuses unless they are all on
// this node. These tests watch every command the store's scripts run (MONITOR) and check it.

const test = suite('redis scripts touch only the keys they declare');
const { it, server, closing } = useRedis(test);
const TTL = 60_000;

interface Call {
  /** The script's first line that says what it is, for the report. */
  script: string;
  declared: string[];
  commands: string[][];
}

/** Records every EVAL/EVALSHA and the commands it ran, while `work` runs. */
async function watchScripts(work: () => Promise<void>): Promise<Call[]> {
  const raw = new Redis(server().url);
  closing(() => raw.disconnect());
  const monitor = await raw.monitor();
  const calls: Call[] = [];
  // What each script is, by its SHA1, once seen in full (EVAL), for the report.
  const labels = new Map<string, string>();
  let end: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = String(args[0]).toLowerCase();
    if (name === 'echo' && args[1] === 'declared-keys-end') end();
    if (source !== 'lua') {
      if (name === 'evalsha' || name === 'eval') {
        const count = Number(args[2]);
        const body = String(args[1]);
        if (name === 'eval') labels.set(createHash('sha1').update(body).digest('hex'), label(body));
        const script = name === 'eval' ? (labels.get(createHash('sha1').update(body).digest('hex')) as string) : (labels.get(body) ?? body);
        calls.push({ script: script.slice(0, 100), declared: args.slice(3, 3 + count), commands: [] });
      }
      return;
    }
    calls.at(-1)?.commands.push(args);
  });
  try {
    await work();
    // MONITOR's feed trails the replies a little: an ECHO on the monitored server, answered after
    // every command before it, and then the monitor's own feed of it, mark the end.
    const marker = new Redis(server().url);
    await marker.echo('declared-keys-end').finally(() => marker.disconnect());
    // Bounded all the same, so a lost feed fails the test (nothing seen) instead of hanging it.
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
  } finally {
    monitor.disconnect();
  }
  return calls;
}

/** A script's first line of its own (after the write guard's), to name it in a report. */
function label(body: string): string {
  const lines = body.split('\n').map((line) => line.trim());
  const start = lines.indexOf('local __reply = (function()') + 1;
  return lines.slice(start).find((line) => line !== '' && !line.startsWith('--') && !line.startsWith('local function')) ?? body;
}

/** The keys a command names, as Redis finds them (COMMAND GETKEYS); none for a command without keys. */
async function keysOf(raw: Redis, command: string[], cache: Map<string, string[]>): Promise<string[]> {
  const id = JSON.stringify(command);
  let keys = cache.get(id);
  if (keys === undefined) {
    keys = await raw.call('COMMAND', 'GETKEYS', ...command).then(
      (found) => found as string[],
      () => [],
    );
    cache.set(id, keys);
  }
  return keys;
}

/** Every key a script reached that it did not declare nor reach with a multi-key command naming a declared key. */
async function undeclared(calls: Call[]): Promise<string[]> {
  const raw = new Redis(server().url);
  closing(() => raw.disconnect());
  const cache = new Map<string, string[]>();
  const found: string[] = [];
  for (const call of calls) {
    const reached = new Set(call.declared);
    for (const command of call.commands) {
      const keys = await keysOf(raw, command, cache);
      if (keys.length > 1 && keys.some((key) => reached.has(key))) for (const key of keys) reached.add(key);
      for (const key of keys) if (!reached.has(key)) found.push(`${call.script} | ${command[0]} ${key}`);
    }
  }
  return found;
}

it('session scripts: every key a write touches is declared, the write guard operation key and the undo logs it deletes included', async () => {
  const s = new RedisSessionStore({ url: server().url, keyPrefix: 'dk:', maxSessions: 100 });
  closing(() => s.close());
  const calls = await watchScripts(async () => {
    const { call } = exagoEngine({}, { store: s });
    const made = await call({ url: '/rest/batch', body: SEED_BATCH });
    const sid = (made.body as Array<{ ResponseContent: { Id: string } }>)[0]!.ResponseContent.Id;
    const post = (Id: string) => ({ Url: 'Parameters', Method: 'POST', Payload: { Id, DataType: 'String', Value: 'v' } });
    await call({ url: `/rest/batch?sid=${sid}`, body: [post('A'), post('B'), { Url: 'Parameters/A', Method: 'DELETE' }] });
    const id = await s.create({ Page: 'Home' }, { ttlMs: TTL, owner: 'caller-a', maxPerOwner: 1 });
    await s.set(id, 'roles', 'R', { Id: 'R' });
    await s.compareAndSet(id, 'roles', 'R', { Id: 'R' }, { Id: 'R', IsActive: true });
    await s.patchData(id, { Page: 'Next' });
    await s.save(id, { Page: 'Saved' });
    await s.delete(id, 'roles', 'R');
    // The same owner again at its quota of one: the first session is taken out and destroyed.
    const second = await s.create({ Page: 'Home' }, { ttlMs: TTL, owner: 'caller-a', maxPerOwner: 1 });
    assert.is(await s.load(id, TTL), undefined);
    assert.equal(await s.load(second, TTL), { Page: 'Home' });
    await s.destroy(second);
    await s.destroy(sid);
  });
  assert.ok(
    calls.some((c) => c.commands.some((command) => command[0] === 'SET' && String(command[1]).includes(':op:'))),
    'no undo log was written',
  );
  assert.equal(await undeclared(calls), []);
});

it('a compensation touches only its declared keys and the collections it reaches with one multi-key command', async () => {
  const client = new Redis(server().url, failFastOptions(1000));
  closing(() => client.disconnect());
  const s = new RedisSessionStore({ client, keyPrefix: 'dkc:' });
  closing(() => s.close());
  const id = await s.create({ Page: 'Home' }, { ttlMs: TTL });
  await s.set(id, 'parameters', 'Kept', 'before');
  const calls = await watchScripts(async () => {
    // The write runs on the server, but its reply is lost on the way back (a timeout).
    const original = (client.evalsha as (...args: unknown[]) => Promise<unknown>).bind(client);
    (client as unknown as Record<string, unknown>).evalsha = async (...args: unknown[]) => {
      const reply = await original(...args);
      if (!String(args[2]).includes(':op:')) throw new Error('Command timed out');
      return reply;
    };
    const writing = await s.set(id, 'parameters', 'Kept', 'after').then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    assert.is(writing, 'STORE_UNAVAILABLE');
    delete (client as unknown as Record<string, unknown>).evalsha;
    await s.compensated();
  });
  assert.equal(await s.list(id, 'parameters'), [['Kept', 'before']]);
  assert.ok(
    calls.some((c) => c.commands.some((command) => command[0] === 'SET' && command[2] === 'F')),
    'no compensation ran',
  );
  assert.equal(await undeclared(calls), []);
});

it('idempotency record scripts: every key they touch is declared, when they drop expired records, an owner quota drops its oldest, a renewal and a delete', async () => {
  const s = new RedisSessionStore({ url: server().url, keyPrefix: 'dkr:' });
  closing(() => s.close());
  const limits = (owner: string) => ({ owner, maxPerOwner: 2, maxRecords: 100, maxBytes: 1_000_000 });
  const calls = await watchScripts(async () => {
    assert.is(await s.putRecordIfAbsent('idempotency', 'short', { a: 0 }, 1, limits('bob')), true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const key of ['k1', 'k2', 'k3']) {
      assert.is(await s.putRecordIfAbsent('idempotency', key, { key }, TTL, limits('alice')), true);
      // Apart in time (write times are in ms): the oldest is k1, not the first by hash.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    // A renewal keeps the owner; a delete takes the record out of its owner's count.
    assert.is(await s.setRecord('idempotency', 'k3', { key: 'k3', renewed: true }, TTL), true);
    assert.is(await s.deleteRecord('idempotency', 'k2'), true);
    assert.is(await s.putRecordIfAbsent('idempotency', 'k4', { key: 'k4' }, TTL, limits('alice')), true);
  });
  assert.equal(await undeclared(calls), []);
  // Alice's oldest (k1) made room for k3; k2 was deleted, so k4 fit beside k3.
  assert.is(await s.getRecord('idempotency', 'short'), undefined);
  assert.is(await s.getRecord('idempotency', 'k1'), undefined);
  assert.is(await s.getRecord('idempotency', 'k2'), undefined);
  assert.equal(await s.getRecord('idempotency', 'k3'), { key: 'k3', renewed: true });
  assert.equal(await s.getRecord('idempotency', 'k4'), { key: 'k4' });
  const raw = new Redis(server().url);
  closing(() => raw.disconnect());
  assert.is(await raw.zcard('dkr:rec:{idempotency}:#owner:alice'), 2);
  assert.is(await raw.zcard('dkr:rec:{idempotency}:#expiry'), 2);
  assert.ok((await raw.pttl('dkr:rec:{idempotency}:#owner:alice')) > 0, "an owner's set expires with its records");
});

test.run();
