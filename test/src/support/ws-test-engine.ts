import 'reflect-metadata';
import { createEngine, type Engine, type EngineOptions, exagoApi, Get, type HandlerContext, Post, Resource } from '@restbatch/core';
import { inject } from 'tsyringe';
import { EXAMPLE_CONFIGS } from './exago-engine.js';

const PROBE = Symbol('test.ws-probe');

/** Lets a test hold handlers until it releases them, and see which started and which saw an abort. */
export class Probe {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  /** How many times `Big/{kb}` ran. */
  bigCalls = 0;
  readonly #held = new Map<string, { promise: Promise<void>; release: () => void }>();
  readonly #waiters: Array<{ name: string; resolve: () => void }> = [];

  #entry(name: string) {
    let entry = this.#held.get(name);
    if (entry === undefined) {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      entry = { promise, release };
      this.#held.set(name, entry);
    }
    return entry;
  }

  /** Lets the held handler `name` finish. */
  release(name: string): void {
    this.#entry(name).release();
  }

  /** Resolves once the handler `name` has started. */
  whenStarted(name: string): Promise<void> {
    if (this.started.includes(name)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }

  async hold(name: string, signal: AbortSignal): Promise<void> {
    this.started.push(name);
    for (const w of this.#waiters.filter((x) => x.name === name)) w.resolve();
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => {
        this.aborted.push(name);
        reject(signal.reason);
      });
      this.#entry(name).promise.then(resolve);
    });
  }
}

/** Test routes: `Hold/{name}` waits for the probe, `Echo/{name}` answers at once, `Big/{kb}` answers a large body, `Headers` its headers, `Query` its query, `Boom` throws. */
@Resource('Test', { session: 'optional' })
class TestResource {
  constructor(@inject(PROBE) private readonly probe: Probe) {}

  @Post('Hold/:name')
  async hold(ctx: HandlerContext): Promise<{ name: string }> {
    await this.probe.hold(ctx.params.name!, ctx.signal);
    return { name: ctx.params.name! };
  }

  @Post('Echo/:name')
  echo(ctx: HandlerContext): { name: string } {
    this.probe.started.push(ctx.params.name!);
    return { name: ctx.params.name! };
  }

  @Get('Big/:kb')
  big(ctx: HandlerContext): { data: string } {
    this.probe.bigCalls++;
    return { data: 'x'.repeat(Number(ctx.params.kb) * 1024) };
  }

  @Get('Headers')
  headers(ctx: HandlerContext): Record<string, string> {
    return { ...ctx.headers };
  }

  @Get('Query')
  query(ctx: HandlerContext): Record<string, unknown> {
    return { ...ctx.query };
  }

  @Post('Boom')
  boom(): never {
    throw new Error('internal detail that must not leak');
  }
}

/** A fresh Exago engine with the `Test` resource under `/rest`, and its probe. */
export function wsTestEngine(options: Partial<EngineOptions> = {}): { engine: Engine; probe: Probe } {
  const probe = new Probe();
  const exago = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [
      {
        ...exago,
        resources: [...exago.resources, TestResource],
        register: (container) => {
          exago.register?.(container);
          container.registerInstance(PROBE, probe);
        },
      },
    ],
    logger: { error: () => undefined },
    ...options,
  });
  return { engine, probe };
}
