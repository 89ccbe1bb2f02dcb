import 'reflect-metadata';
import { createEngine, type Engine, exagoApi, Get, Resource } from '@restbatch/core';
import { inject } from 'tsyringe';
import { EXAMPLE_CONFIGS } from './exago-engine.js';

const COUNTER = Symbol('test.counter');

/** Bytes of one `Big` answer's payload. */
export const BIG_BYTES = 64 * 1024;
const PAYLOAD = 'x'.repeat(BIG_BYTES);

/** Counts how many `Big` handlers ran. */
export class Counter {
  calls = 0;
}

/** A resource whose GET answers 64 KiB and counts its calls. */
@Resource('Big', { session: 'optional' })
class BigResource {
  constructor(@inject(COUNTER) private readonly counter: Counter) {}

  @Get(':n')
  get(): { data: string } {
    this.counter.calls++;
    return { data: PAYLOAD };
  }
}

/** A fresh Exago engine with the `Big` resource under `/rest`, and its call counter. */
export function bigResultsEngine(): { engine: Engine; counter: Counter } {
  const counter = new Counter();
  const exago = exagoApi({ configs: EXAMPLE_CONFIGS });
  const engine = createEngine({
    apis: [
      {
        ...exago,
        resources: [...exago.resources, BigResource],
        register: (container) => {
          exago.register?.(container);
          container.registerInstance(COUNTER, counter);
        },
      },
    ],
    logger: { error: () => undefined },
  });
  return { engine, counter };
}

/** An Exago batch of a session and `count` calls of `Big`: `count` * 64 KiB of answers. */
export function bigBatch(count: number): string {
  const calls = Array.from({ length: count }, (_, i) => ({ Url: `Big/${i}`, Method: 'GET' }));
  return JSON.stringify([{ Url: 'Sessions', Method: 'POST' }, ...calls]);
}

/** Resolves once `read()` has not changed for `quietMs` (the producer stopped), with its value. */
export async function settled(read: () => number, quietMs = 300, limitMs = 10_000): Promise<number> {
  const start = Date.now();
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > limitMs) throw new Error('the value never stopped changing');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}
