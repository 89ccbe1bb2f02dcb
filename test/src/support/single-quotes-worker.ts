// Runs one raw body through an Exago engine in a worker thread (whose heap the test caps) and
// posts back the answer's status, or the error code of a refusal.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, exagoApi } from '@restbatch/core';

const { body } = workerData as { body: string };
const engine = createEngine({ apis: [exagoApi()], logger: { error: () => {} } });
const response = await engine.dispatch({
  method: 'POST',
  url: '/rest/batch',
  headers: { 'content-type': 'application/json' },
  body,
  transport: 'direct',
});
const code = (response.body as { code?: string }).code;
parentPort?.postMessage(code === undefined ? { status: response.status } : { status: response.status, code });
