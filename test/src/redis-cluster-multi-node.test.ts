import type { ChildProcess } from 'node:child_process';
import { Cluster } from 'ioredis';
import { suite } from 'uvu';
import { type ExampleNode, startNode, stopNode } from './support/example-nodes.js';
import { multiNodeCases } from './support/multi-node-cases.js';
import { useRedisCluster } from './support/redis-cluster.js';

const test = suite('two example-server nodes sharing one redis cluster');
const { it, setup: cluster } = useRedisCluster(test);

let nodes: ExampleNode[] = [];
/** Every node process spawned, listening or not: the suite's `after` ends them all. */
const children: ChildProcess[] = [];

test.before(async () => {
  let seeds: string;
  try {
    seeds = cluster().seeds.join(',');
  } catch {
    return; // No redis-server or redis-cli: the tests are skipped by name and no node is needed.
  }
  const env = { REDIS_CLUSTER_NODES: seeds };
  nodes = await Promise.all([startNode(env, children), startNode(env, children)]);
});

test.after(async () => {
  await Promise.all(children.map(stopNode));
});

/** Sessions on every primary of the cluster. */
async function countSessions(): Promise<number> {
  const raw = new Cluster(cluster().seeds);
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('ready', resolve);
      raw.once('error', reject);
    });
    let total = 0;
    for (const node of raw.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', 'restbatch:{*}:data', 'COUNT', 1000);
        cursor = next;
        total += keys.length;
      } while (cursor !== '0');
    }
    return total;
  } finally {
    raw.disconnect();
  }
}

multiNodeCases({ it, nodes: () => nodes, countSessions });

test.run();
