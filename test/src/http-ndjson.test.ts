import 'reflect-metadata';
import { createHttpHandler } from '@restbatch/http';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';
import { slowEngine } from './support/slow-engine.js';

const NDJSON = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
const BATCH = JSON.stringify([
  { Url: 'Sessions', Method: 'POST' },
  { Url: 'Slow/a', Method: 'POST' },
  { Url: 'Roles/Nope', Method: 'PATCH', Payload: { IsActive: true } },
  { Url: 'Slow/b', Method: 'POST' },
]);

/** Reads NDJSON lines from a body stream one at a time. */
function lineReader(body: AsyncIterable<Buffer>) {
  const it = body[Symbol.asyncIterator]();
  let buffered = '';
  return async (): Promise<unknown> => {
    for (;;) {
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        return JSON.parse(line);
      }
      const next = await it.next();
      if (next.done) return undefined;
      buffered += next.value.toString('utf8');
    }
  };
}

test('with Accept: application/x-ndjson each sub-response arrives as it finishes, then a summary line', async () => {
  const { engine, gate } = slowEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await request(`${s.url}/rest/batch`, { method: 'POST', headers: NDJSON, body: BATCH });
    assert.is(res.statusCode, 200);
    assert.is(res.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    const next = lineReader(res.body);
    // The first line is readable while the second sub-request is still held.
    const first = (await next()) as { ReturnCode: string; ResponseContent: { Id: string } };
    assert.is(first.ReturnCode, '201');
    // The second sub-request starts after the first line is written; on a busy machine the line
    // can arrive first, so wait for it rather than read `started` at once.
    await gate.whenStarted('a');
    assert.equal(gate.started, ['a']);
    gate.release();
    assert.equal(await next(), { ReturnCode: '201', ResponseContent: { name: 'a' } });
    assert.is(((await next()) as { ReturnCode: string }).ReturnCode, '404');
    assert.equal(await next(), { ReturnCode: '201', ResponseContent: { name: 'b' } });
    assert.equal(await next(), { summary: { succeeded: 3, failed: 1, skipped: 0 } });
    assert.is(await next(), undefined);
  } finally {
    gate.release();
    await s.close();
  }
});

test('a batch rejected as a whole is answered as a normal JSON error even when NDJSON is accepted', async () => {
  const { engine } = slowEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await request(`${s.url}/rest/batch`, {
      method: 'POST',
      headers: NDJSON,
      body: JSON.stringify([{ Url: 'Roles', Method: 'GET' }]),
    });
    assert.is(res.statusCode, 400);
    assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.is(((await res.body.json()) as { code: string }).code, 'BATCH_RULE_VIOLATION');
  } finally {
    await s.close();
  }
});

test('an ordinary call ignores Accept: application/x-ndjson and answers JSON', async () => {
  const { engine } = slowEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    const res = await request(`${s.url}/rest/Sessions`, { method: 'POST', headers: NDJSON });
    assert.is(res.statusCode, 201);
    assert.is(res.headers['content-type'], 'application/json; charset=utf-8');
    await res.body.json();
  } finally {
    await s.close();
  }
});

test('the lines ready in the same turn go out as one write, not one write per line', async () => {
  const { engine } = exagoEngine();
  const handler = createHttpHandler(engine);
  let writes = 0;
  const s = await listen((req, res) => {
    const write = res.write.bind(res) as (chunk: unknown) => boolean;
    res.write = ((chunk: unknown) => {
      writes++;
      return write(chunk);
    }) as typeof res.write;
    handler(req, res);
  });
  try {
    const items = [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: 50 }, () => ({ Url: 'Roles/MyRole', Method: 'GET' }))];
    const res = await request(`${s.url}/rest/batch`, { method: 'POST', headers: NDJSON, body: JSON.stringify(items) });
    const lines = (await res.body.text()).trimEnd().split('\n');
    assert.is(lines.length, 52);
    assert.equal(JSON.parse(lines[51] as string), { summary: { succeeded: 51, failed: 0, skipped: 0 } });
    // 51 results of one synchronous turn: one or two grouped writes (the session's may come first), never 51.
    assert.ok(writes <= 2, `${writes} writes for 51 lines`);
  } finally {
    await s.close();
  }
});

test.run();
