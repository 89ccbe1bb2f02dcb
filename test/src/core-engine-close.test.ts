import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { wsTestEngine } from './support/ws-test-engine.js';

const SESSION = { Url: 'Sessions', Method: 'POST' };
const JSON_TEXT = { 'content-type': 'application/json' };

test('engine.close() resolves only after the running batch has handed its response to its caller', async () => {
  const { engine, probe } = wsTestEngine();
  const order: string[] = [];
  const answered = engine
    .dispatch({
      method: 'POST',
      url: '/rest/batch',
      headers: JSON_TEXT,
      body: JSON.stringify([SESSION, { Url: 'Test/Hold/h', Method: 'POST' }]),
    })
    // A transport's own steps between the answer and writing it (a hop or two of promises).
    .then((response) => response)
    .then((response) => {
      order.push(`response ${response.status}`);
    });
  try {
    await probe.whenStarted('h');
    const closed = engine.close().then(() => {
      order.push('closed');
    });
    probe.release('h');
    await Promise.all([answered, closed]);
    assert.equal(order, ['response 200', 'closed']);
  } finally {
    probe.release('h');
    await engine.close();
  }
});

test('engine.close() with nothing running resolves at once, and later work gets 503 SHUTTING_DOWN', async () => {
  const { engine } = wsTestEngine();
  await engine.close();
  const late = await engine.dispatch({ method: 'POST', url: '/rest/batch', headers: JSON_TEXT, body: JSON.stringify([SESSION]) });
  assert.is(late.status, 503);
});

test.run();
