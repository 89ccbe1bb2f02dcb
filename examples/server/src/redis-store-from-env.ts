import { RedisSessionStore, type RedisSessionStoreOptions } from '@restbatch/redis';

/**
 * The example's Redis session store, from the environment: `REDIS_URL` (one Redis),
 * `REDIS_CLUSTER_NODES` (a Cluster: comma-separated `host:port` seeds) or `REDIS_SENTINELS`
 * (comma-separated `host:port` sentinels) with `REDIS_SENTINEL_NAME` (default `mymaster`); and
 * `REDIS_WAIT_REPLICAS` / `REDIS_WAIT_TIMEOUT_MS` (default 250) to `WAIT` for replicas after every
 * write. Undefined when none is set: sessions stay in memory.
 */
export function redisStoreFromEnv(env: NodeJS.ProcessEnv): RedisSessionStore | undefined {
  const replicas = Number(env.REDIS_WAIT_REPLICAS || 0);
  const options: RedisSessionStoreOptions =
    replicas > 0 ? { waitForReplicas: { replicas, timeoutMs: Number(env.REDIS_WAIT_TIMEOUT_MS || 250) } } : {};
  if (env.REDIS_CLUSTER_NODES) return new RedisSessionStore({ ...options, cluster: { nodes: list(env.REDIS_CLUSTER_NODES) } });
  if (env.REDIS_SENTINELS) {
    const sentinels = list(env.REDIS_SENTINELS).map((node) => {
      const colon = node.lastIndexOf(':');
      return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
    });
    return new RedisSessionStore({ ...options, sentinel: { sentinels, name: env.REDIS_SENTINEL_NAME || 'mymaster' } });
  }
  if (env.REDIS_URL) return new RedisSessionStore({ ...options, url: env.REDIS_URL });
  return undefined;
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
