import 'reflect-metadata';
import { createExampleEngine, exampleLogger } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BATCH = [{ Url: 'Sessions', Method: 'POST' }];

test('with LOG_FORMAT=json the example engine logs one pino JSON line per batch', async () => {
  const lines: string[] = [];
  const engine = createExampleEngine({ logger: exampleLogger({ LOG_FORMAT: 'json' }, (line) => lines.push(line)) });
  const res = await engine.inject({ method: 'POST', url: '/rest/batch', headers: { 'x-request-id': 'ex-1' }, body: BATCH });
  assert.is(res.status, 200);
  assert.is(lines.length, 1);
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal([entry.level, entry.msg, entry.requestId, entry.endpoint, entry.items], [30, 'batch', 'ex-1', '/rest/batch', 1]);
});

test('otherwise it writes human lines, of warnings and errors only', () => {
  const lines: string[] = [];
  const logger = exampleLogger({}, (line) => lines.push(line));
  logger.info?.({ requestId: 'r' }, 'batch');
  logger.error({ requestId: 'r' }, 'sub-request failed');
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /ERROR sub-request failed \{"requestId":"r"\}/);
});

test.run();
