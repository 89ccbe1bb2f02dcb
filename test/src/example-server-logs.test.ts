import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exampleLogger, startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { until } from './support/until.js';
import { TestClient } from './support/ws-test-client.js';

const MAIN = fileURLToPath(new URL('../../examples/server/dist/main.js', import.meta.url));
const BATCH = [{ Url: 'Sessions', Method: 'POST' }];

test('the human log has one line per batch of each transport, WebSocket batches naming their transport', async () => {
  const lines: string[] = [];
  const running = await startExampleServer({ port: 0, log: (line) => lines.push(line), logger: exampleLogger({}, () => undefined) });
  try {
    const client = await TestClient.open(`${running.url.replace('http:', 'ws:')}/rest/ws`);
    const answer = await client.request({ id: 'w', endpoint: '/rest/batch', body: BATCH });
    assert.is((answer.final as { status: number }).status, 200);
    const call = await client.request({ id: 'c', method: 'GET', endpoint: '/rest/Roles' });
    assert.is((call.final as { status: number }).status, 401);
    await client.close();
    const res = await fetch(`${running.url}/rest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BATCH),
    });
    assert.is(res.status, 200);
    await res.text();
    await until(() => lines.length >= 2, 'the HTTP line was written');
    assert.is(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^POST \/rest\/batch 1 sub-requests succeeded=1 failed=0 skipped=0 \d+\.\dms \(ws\)$/);
    assert.match(lines[1]!, /^POST \/rest\/batch 1 sub-requests succeeded=1 failed=0 skipped=0 \d+\.\dms$/);
  } finally {
    await running.close();
  }
});

test('a WebSocket batch refused before it ran is logged with its status', async () => {
  const lines: string[] = [];
  const running = await startExampleServer({ port: 0, log: (line) => lines.push(line), logger: exampleLogger({}, () => undefined) });
  try {
    const client = await TestClient.open(`${running.url.replace('http:', 'ws:')}/rest/ws`);
    const answer = await client.request({ id: 'w', endpoint: '/rest/batch', body: { not: 'a batch' } });
    assert.is((answer.final as { status: number }).status, 400);
    await client.close();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^POST \/rest\/batch - sub-requests status=400 \d+\.\dms \(ws\)$/);
  } finally {
    await running.close();
  }
});

test('LOG_LEVEL must be one of pino levels: the error names the variable and the levels', () => {
  assert.throws(
    () => exampleLogger({ LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' }),
    /^LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "verbose"$/,
  );
  for (const level of ['debug', 'warn', 'silent']) exampleLogger({ LOG_FORMAT: 'json', LOG_LEVEL: level }, () => undefined);
});

test('main.js refuses to start with an unknown LOG_LEVEL, with one line naming it and no stack trace', async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'verbose' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  try {
    await until(() => child.exitCode !== null, 'main.js exited');
    assert.is(child.exitCode, 1);
    assert.is(err, 'restbatch example server: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "verbose"\n');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test.run();
