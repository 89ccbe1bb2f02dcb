import 'reflect-metadata';
import {
  createEngine,
  type Engine,
  type EngineLimits,
  type EngineOptions,
  Get,
  type HandlerContext,
  Post,
  Resource,
  RestBatchError,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { inject } from 'tsyringe';
import { canonicalDialect, type Item, untilAborted } from './features-engine.js';
import { listen } from './listen.js';
import { startWs, TestClient } from './ws-test-client.js';

const HOLDS = Symbol('test.holds');

/** Handlers held by name until the test lets each go (or its signal aborts). */
export class Holds {
  readonly #started = new Map<string, () => void>();
  readonly #starts = new Map<string, Promise<void>>();
  readonly #releases = new Map<string, () => void>();
  readonly #released = new Map<string, Promise<void>>();

  /** Resolves once the handler `name` is waiting. */
  started(name: string): Promise<void> {
    return this.#entry(this.#starts, this.#started, name);
  }

  /** Lets the handler `name` answer. */
  release(name: string): void {
    this.#entry(this.#released, this.#releases, name);
    this.#releases.get(name)?.();
  }

  async wait(name: string, signal: AbortSignal): Promise<void> {
    this.#entry(this.#starts, this.#started, name);
    this.#started.get(name)?.();
    await Promise.race([this.#entry(this.#released, this.#releases, name), untilAborted(signal)]);
  }

  #entry(promises: Map<string, Promise<void>>, resolvers: Map<string, () => void>, name: string): Promise<void> {
    let promise = promises.get(name);
    if (promise === undefined) {
      promise = new Promise<void>((resolve) => resolvers.set(name, resolve));
      promises.set(name, promise);
    }
    return promise;
  }
}

/** Large answers, held handlers and failures on demand. */
@Resource('Heavy')
class HeavyResource {
  constructor(@inject(HOLDS) private readonly holds: Holds) {}

  /** `kb` KiB of text (`x`, or `?char=`): a result of `kb * 1024 + 11` characters of JSON. */
  @Get('big/:kb')
  big(ctx: HandlerContext) {
    const char = typeof ctx.query.char === 'string' ? ctx.query.char : 'x';
    return { text: char.repeat(Number(ctx.params.kb) * 1024) };
  }

  @Post('hold/:name')
  async hold(ctx: HandlerContext) {
    await this.holds.wait(ctx.params.name!, ctx.signal);
    return { name: ctx.params.name };
  }

  @Post('fail')
  fail(): never {
    throw new RestBatchError('VALIDATION_FAILED', 'failed on purpose');
  }

  @Get('wait')
  wait(ctx: HandlerContext) {
    return untilAborted(ctx.signal);
  }
}

/** A fresh engine with the canonical test dialect at `/api/batch` and the `Heavy` resource. */
export function inFlightEngine(limits: Partial<EngineLimits>, options: Partial<EngineOptions> = {}): { engine: Engine; holds: Holds } {
  const holds = new Holds();
  const engine = createEngine({
    apis: [
      {
        base: '/api',
        resources: [HeavyResource],
        batch: [{ path: 'batch', dialect: canonicalDialect }],
        register: (container) => container.registerInstance(HOLDS, holds),
      },
    ],
    limits,
    logger: { error: () => undefined },
    ...options,
  });
  return { engine, holds };
}

/** A batch of the canonical dialect. */
export interface Envelope {
  onFail?: 'continue' | 'stop' | 'atomic';
  timeoutMs?: number;
  requests: Array<{ method: string; url: string; atomicityGroup?: string }>;
}

/** Sends batches through one transport, its items in index order. */
export type Send = (envelope: Envelope) => Promise<Item[]>;

/** The transports under test. */
export const TRANSPORTS = ['http', 'ws', 'direct'] as const;

/** Runs `body` with a sender of batches to `engine` through `transport`; servers are closed afterwards. */
export async function withTransport(
  transport: (typeof TRANSPORTS)[number],
  engine: Engine,
  body: (send: Send) => Promise<void>,
): Promise<void> {
  if (transport === 'direct') {
    const call = createDirectCaller(engine);
    await body(async (envelope) => ((await call({ url: '/api/batch', body: envelope })).body as { results: Item[] }).results);
    return;
  }
  if (transport === 'http') {
    const server = await listen(createHttpHandler(engine));
    try {
      await body(async (envelope) => {
        const res = await fetch(`${server.url}/api/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(envelope),
        });
        return ((await res.json()) as { results: Item[] }).results;
      });
    } finally {
      await server.close();
    }
    return;
  }
  const ws = await startWs(engine, { path: '/api/ws' });
  let client: TestClient | undefined;
  try {
    client = await TestClient.open(ws.url);
    const open = client;
    let next = 0;
    await body(async (envelope) => {
      const answer = await open.request({ id: `b${next++}`, endpoint: '/api/batch', body: envelope });
      return answer.results.sort((a, b) => a.index - b.index).map((r) => r.item as Item);
    });
  } finally {
    await client?.close();
    await ws.close();
  }
}

/** A sub-request of `kb` KiB of result. */
export const big = (kb: number) => ({ method: 'GET', url: `Heavy/big/${kb}` });
/** A sub-request held until the test releases `name`. */
export const held = (name: string) => ({ method: 'POST', url: `Heavy/hold/${name}` });
