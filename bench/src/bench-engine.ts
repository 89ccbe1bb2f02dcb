import 'reflect-metadata';
import { createEngine, type Engine, exagoApi } from '@restbatch/core';
import { BENCH_CONFIGS } from './exago-mix.js';

/** The engine every in-process scenario measures: the Exago API, validation on, errors not logged. */
export function benchEngine(): Engine {
  return createEngine({
    apis: [exagoApi({ configs: BENCH_CONFIGS })],
    logger: { error: () => {} },
  });
}
