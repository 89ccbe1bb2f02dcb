// A server process of the observe scenario: the example server's APIs on HTTP, with
// OBSERVE_MODE=off (`telemetry: false`), nosdk (OpenTelemetry's API, no SDK), sdk (the example
// server's SDK wiring, spans counted in memory) or offctx (the SDK wired, the engine not observing). On SIGTERM it prints `spans <count exported>`.
import 'reflect-metadata';
import { createEngine } from '@restbatch/core';
import { exampleApis, startExampleServer } from '@restbatch/example-server';
import { inMemorySdk } from './observe-sdk.js';

const mode = process.env.OBSERVE_MODE ?? 'off';
const wired = mode === 'sdk' || mode === 'offctx' ? inMemorySdk() : undefined;
const engine = createEngine({
  apis: exampleApis(),
  logger: { error: () => {} },
  telemetry: mode === 'off' || mode === 'offctx' ? false : wired?.sdk.telemetry,
});
const running = await startExampleServer({ host: '127.0.0.1', port: 0, engine });
console.log(`observe server (${mode}) listening on ${running.url}`);
process.once('SIGTERM', () => {
  void (async () => {
    await wired?.sdk.flush();
    console.log(`spans ${wired?.exporter.count ?? 0}`);
    process.exit(0);
  })();
});
