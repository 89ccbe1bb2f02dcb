import type { Cluster } from 'ioredis';
import type { RedisClient } from './lua-script.js';

// How often the offset to Redis's clock is measured again while in use.
const REFRESH_MS = 30_000;

/** A monotonic reading of this process's clock, in ms (never jumps with NTP or a manual change). */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The offset from this process's monotonic clock to Redis's clock (`TIME`), measured when first
 * needed, after every reconnect (a Sentinel failover may bring another server) and every 30 s. It
 * is a lower bound: each `TIME` reply is taken to have been read when it arrived (the server read
 * its clock earlier than that), and on a Cluster the smallest offset of all primaries is kept. A
 * deadline computed with it therefore falls, in every server's clock, no later than intended.
 */
export class ServerClock {
  readonly #client: RedisClient;
  #offset: number | undefined;
  #measuredAt = 0;
  #stale = true;
  #measuring: Promise<number> | undefined;

  constructor(client: RedisClient) {
    this.#client = client;
    const stale = () => {
      this.#stale = true;
    };
    client.on('ready', stale);
    client.on('+node', stale);
  }

  /** The time in Redis's clock (ms) that is `budgetMs` from now here, rounded down. */
  async deadline(budgetMs: number): Promise<number> {
    const now = monotonicNow();
    let offset = this.#offset;
    if (offset === undefined || this.#stale) offset = await this.#measure();
    else if (now - this.#measuredAt > REFRESH_MS) this.#measure().catch(() => undefined);
    return Math.floor(now + budgetMs + offset);
  }

  #measure(): Promise<number> {
    this.#measuring ??= this.#read().finally(() => {
      this.#measuring = undefined;
    });
    return this.#measuring;
  }

  async #read(): Promise<number> {
    this.#stale = false;
    const client = this.#client;
    const servers = (client as Cluster).isCluster === true ? (client as Cluster).nodes('master') : [client];
    // A primary that does not answer now (failing over) is left out; its replica is measured once promoted (+node).
    const settled = await Promise.allSettled(
      servers.map(async (server) => {
        const [seconds, micros] = await server.time();
        return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - monotonicNow();
      }),
    );
    const offsets = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (offsets.length === 0) {
      this.#stale = true;
      const failed = settled.find((s) => s.status === 'rejected');
      throw failed?.status === 'rejected' ? failed.reason : new Error('no Redis server to read the time of');
    }
    const offset = Math.min(...offsets);
    this.#offset = offset;
    this.#measuredAt = monotonicNow();
    return offset;
  }
}
