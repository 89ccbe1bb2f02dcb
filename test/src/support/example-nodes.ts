import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { SEED_BATCH } from './exago-engine.js';
import { withinTime } from './guarded-test.js';

const MAIN = fileURLToPath(new URL('../../../examples/server/dist/main.js', import.meta.url));
const JSON_TYPE = { 'content-type': 'application/json' };

export type Item = { ReturnCode: string; ResponseContent: Record<string, unknown> & { Id?: string; code?: string } };

/** A running example-server process and the URL it listens on. */
export interface ExampleNode {
  readonly child: ChildProcess;
  readonly url: string;
}

/**
 * Starts `node examples/server/dist/main.js` on a free port with `env` added (REDIS_URL,
 * REDIS_CLUSTER_NODES...), and reads the URL it prints. Every process is pushed to `children`
 * before it listens, so the suite's `after` can end it whatever happens.
 */
export async function startNode(env: Record<string, string>, children: ChildProcess[]): Promise<ExampleNode> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
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

/** Ends a node: SIGTERM, SIGKILL after 5 s; returns at once when it has already gone (exit code or signal). */
export async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit').then(() => true);
  child.kill('SIGTERM');
  if (await withinTime(gone, 5000, 'the example server').catch(() => false)) return;
  child.kill('SIGKILL');
  await withinTime(gone, 5000, 'the example server after SIGKILL');
}

export async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await request(url, {
    method: method as 'GET',
    headers: JSON_TYPE,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) };
}

export async function batch(node: ExampleNode, body: unknown = SEED_BATCH): Promise<{ status: number; items: Item[] }> {
  const res = await call(`${node.url}/rest/batch`, 'POST', body);
  return { status: res.status, items: res.body as Item[] };
}

/** Runs `count` tasks with at most `limit` in flight. */
export async function bounded<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, checking every 20 ms; fails after `limitMs`. */
export async function until(condition: () => boolean, limitMs = 30_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > limitMs) throw new Error(`condition not reached within ${limitMs} ms`);
    await sleep(20);
  }
}
