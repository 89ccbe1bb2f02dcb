import 'reflect-metadata';
import { request } from 'node:http';
import { createFetchHandler, createHttpHandler } from '@restbatch/http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE_CONFIGS, exagoEngine } from './support/exago-engine.js';
import { listen } from './support/listen.js';

const SEED_CURL_BODY = "[{'Url':'Sessions','Method':'POST'},{'Url':'Roles/MyRole','Method':'PATCH','Payload':{'IsActive':true}}]";

/** Sends one request through node:http and through the fetch handler, to an engine with the Exago leniency on. */
async function both(path: string, init: RequestInit): Promise<Array<{ status: number; body: { code?: string; reason?: string } }>> {
  const answers = [];
  for (const kind of ['node', 'fetch'] as const) {
    const { engine } = exagoEngine({ anyContentType: true });
    let res: Response;
    if (kind === 'fetch') res = await createFetchHandler(engine)(new Request(`http://restbatch.test${path}`, init));
    else {
      const s = await listen(createHttpHandler(engine));
      try {
        res = await fetch(`${s.url}${path}`, init);
        await res.clone().text();
      } finally {
        await s.close();
      }
    }
    answers.push({ status: res.status, body: (await res.json()) as { code?: string; reason?: string } });
  }
  return answers;
}

test('the Exago batch endpoint reads JSON, +json and the form type curl -d sends', async () => {
  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.exago+json',
    'application/x-www-form-urlencoded',
    'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
  ]) {
    for (const answer of await both('/rest/batch', { method: 'POST', headers: { 'content-type': type }, body: SEED_CURL_BODY })) {
      assert.is(answer.status, 200, type);
    }
  }
});

test('the Exago batch endpoint answers 415 UNSUPPORTED_MEDIA_TYPE to every other type', async () => {
  for (const type of [
    'text/plain',
    'text/plain;charset=UTF-8',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/json',
    'application/x-www-form-urlencodedx',
    'application/octet-stream',
  ]) {
    for (const answer of await both('/rest/batch', { method: 'POST', headers: { 'content-type': type }, body: SEED_CURL_BODY })) {
      assert.is(answer.status, 415, type);
      assert.is(answer.body.code, 'UNSUPPORTED_MEDIA_TYPE', type);
      assert.match(answer.body.reason ?? '', /send application\/json or application\/x-www-form-urlencoded/);
    }
  }
});

test('a body without a Content-Type is still read as JSON', async () => {
  const { engine } = exagoEngine({ anyContentType: true });
  const s = await listen(createHttpHandler(engine));
  try {
    // node:http's client sends no Content-Type for a Buffer body.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${s.url}/rest/batch`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(Buffer.from(SEED_CURL_BODY));
    });
    assert.is(status, 200);
  } finally {
    await s.close();
  }
});

test('ordinary routes keep reading JSON only, even with the leniency on', async () => {
  const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '{}' };
  for (const answer of await both('/rest/Sessions', form)) {
    assert.is(answer.status, 415);
    assert.match(answer.body.reason ?? '', /send application\/json$/);
  }
});

test('an unknown ?config= is refused with CONFIG_UNKNOWN and no configuration name of the server', async () => {
  const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: SEED_CURL_BODY };
  for (const answer of await both('/rest/batch?config=Nope', json)) {
    assert.is(answer.status, 400);
    assert.is(answer.body.code, 'CONFIG_UNKNOWN');
    assert.is(answer.body.reason, 'Unknown session configuration "Nope"');
    for (const name of Object.keys(EXAMPLE_CONFIGS)) assert.not.ok(JSON.stringify(answer.body).includes(name), name);
  }
});

test.run();
