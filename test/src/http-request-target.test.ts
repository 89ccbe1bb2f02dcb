import 'reflect-metadata';
import { connect } from 'node:net';
import { createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';

const FOREIGN = 'evil.example';
const BATCH = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]);

/** Writes `head` and `body` on a raw socket and returns everything the server sent until it closed. */
function raw(url: string, head: string, body = ''): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection'));
    }, 5000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

async function withServer(run: (url: string) => Promise<void>): Promise<void> {
  const { engine } = exagoEngine();
  const s = await listen(createHttpHandler(engine));
  try {
    await run(s.url);
  } finally {
    await s.close();
  }
}

function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
}

test('an absolute-form target is served as its path, and its host appears nowhere in the answer', async () => {
  await withServer(async (url) => {
    const answer = await raw(url, `POST http://${FOREIGN}/rest/batch HTTP/1.1\r\nContent-Type: application/json`, BATCH);
    assert.is(statusOf(answer), 200, answer);
    assert.match(answer, /"ReturnCode":"201"/);
    assert.not.ok(answer.includes(FOREIGN), answer);
  });
});

test('an absolute-form target for an unknown path or method answers without its host', async () => {
  await withServer(async (url) => {
    const cases: Array<[string, number]> = [
      [`GET http://${FOREIGN}/nowhere/x HTTP/1.1`, 404],
      [`GET http://${FOREIGN}:8080/rest/batch?config=${FOREIGN} HTTP/1.1`, 405],
      [`GET https://user@${FOREIGN}/rest/Nope HTTP/1.1`, 404],
      [`GET http://${FOREIGN} HTTP/1.1`, 404],
    ];
    for (const [head, status] of cases) {
      const answer = await raw(url, head);
      assert.is(statusOf(answer), status, head);
      assert.not.ok(answer.replace(`config=${FOREIGN}`, '').includes(FOREIGN), answer);
      assert.not.ok(answer.toLowerCase().includes('location:'), answer);
    }
  });
});

test('a target that is neither a path nor an http(s) URL is refused with 400 INVALID_PATH, not echoed', async () => {
  await withServer(async (url) => {
    for (const target of ['*', `ftp://${FOREIGN}/rest/batch`]) {
      const answer = await raw(url, `OPTIONS ${target} HTTP/1.1`);
      assert.is(statusOf(answer), 400, target);
      assert.ok(answer.includes(`"code":"INVALID_PATH"`), answer);
      assert.not.ok(answer.includes(FOREIGN), answer);
    }
    // The authority form never reaches the handler: node's parser refuses it with a bare 400.
    const authority = await raw(url, `GET ${FOREIGN}:443 HTTP/1.1`);
    assert.is(statusOf(authority), 400);
    assert.not.ok(authority.includes(FOREIGN), authority);
  });
});

test.run();
