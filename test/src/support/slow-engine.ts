import 'reflect-metadata';
import { createEngine, type Engine, type EngineLimits, exagoApi, type HandlerContext, Post, Resource } from '@restbatch/core';
import { inject } from 'tsyringe';
import { EXAMPLE_CONFIGS } from './exago-engine.js';

const GATE = Symbol('test.gate');

/** Holds every `Slow` handler until released, and records which ones started and which saw an abort. */
export class Gate {
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  #release: () => void = () => undefined;
  readonly #released = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  #onStart: Array<{ name: string; resolve: () => void }> = [];

  release(): void {
    this.#release();
  }

  /** Resolves once the handler named `name` has started. */
  whenStarted(name: string): Promise<void> {
    if (this.started.includes(name)) return Promise.resolve();
    return new Promise((resolve) => this.#onStart.push({ name, resolve }));
  }

  async hold(name: string, signal: AbortSignal): Promise<void> {
    this.started.push(name);
    for (const waiter of this.#onStart.filter((w) => w.name === name)) waiter.resolve();
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => {
        this.aborted.push(name);
        reject(signal.reason);
      });
      this.#released.then(resolve);
    });
  }
}

/** A resource whose handlers wait on the test's gate and on their abort signal. */
@Resource('Slow', { session: 'optional' })
class SlowResource {
  constructor(@inject(GATE) private readonly gate: Gate) {}

  @Post(':name')
  async run(ctx: HandlerContext): Promise<{ name: string }> {
    await this.gate.hold(ctx.params.name!, ctx.signal);
    return { name: ctx.params.name! };
  }
}

/** A fresh Exago engine (any Content-Type on the batch) with the `Slow` resource added under `/rest`. */
export function slowEngine(limits: Partial<EngineLimits> = {}): { engine: Engine; gate: Gate } {
  const gate = new Gate();
  const exago = exagoApi({ configs: EXAMPLE_CONFIGS, anyContentType: true });
  const engine = createEngine({
    apis: [
      {
        ...exago,
        resources: [...exago.resources, SlowResource],
        register: (container) => {
          exago.register?.(container);
          container.registerInstance(GATE, gate);
        },
      },
    ],
    limits,
    logger: { error: () => undefined },
  });
  return { engine, gate };
}
