import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runClientFlow } from '@restbatch/example-client';
import { startExampleServer } from '@restbatch/example-server';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('the example client flow runs against the example server: seed batch, session call, three reads in one request, OData reference', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const lines: string[] = [];
    const report = await runClientFlow(server.url, (line) => lines.push(line));
    assert.equal(report.seed, [201, 204, 201]);
    assert.is(report.parameters, 200);
    assert.equal(report.claims, [200, 200, 200]);
    assert.is(report.claimRequests, 1);
    assert.equal(report.odata, [201, 200]);
    assert.ok(lines.some((l) => l.startsWith('GET Parameters (session ')));
  } finally {
    await server.close();
  }
});

test('examples/client main exits 0 against RESTBATCH_URL', async () => {
  const server = await startExampleServer({ port: 0 });
  try {
    const main = fileURLToPath(new URL('../../examples/client/dist/main.js', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, RESTBATCH_URL: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.is(code, 0, out);
    assert.match(out, /all calls succeeded/);
  } finally {
    await server.close();
  }
});

test.run();
