// A server process of the observe scenario: the example server's APIs on HTTP, with
// OBSERVE_MODE=off (`telemetry: false`), nosdk (OpenTelemetry's API, no SDK), sdk (the example
// server's SDK wiring, spans counted in memory), offctx (the SDK wired, the engine not observing) or
// sampled (the same SDK pieces sampling one trace in ten). On SIGTERM it prints `spans <count exported>`.
import 'reflect-metadata';
import { createEngine } from '@restbatch/core';
import { exampleApis, startExampleServer } from '@restbatch/example-server';
import { inMemorySdk, inProcessSdk } from './observe-sdk.js';

const mode = process.env.OBSERVE_MODE ?? 'off';
const wired = mode === 'sdk' || mode === 'offctx' ? inMemorySdk() : undefined;
const sampled = mode === 'sampled' ? inProcessSdk(0.1) : undefined;
sampled?.contextManager(true);
const engine = createEngine({
  apis: exampleApis(),
  logger: { error: () => {} },
  telemetry: mode === 'off' || mode === 'offctx' ? false : (wired?.sdk.telemetry ?? sampled?.telemetry),
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
