import 'reflect-metadata';
import { once } from 'node:events';
import { type CreateSessionOptions, Get, type JsonValue, Resource } from '@restbatch/core';
import { RedisSessionStore } from '@restbatch/redis';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exagoTestApi } from './support/atomic-exago.js';
import { exagoEngine } from './support/exago-engine.js';
import type { Item } from './support/exago-items.js';
import { useRedis } from './support/redis-server.js';

const test = suite('redis: a POST Sessions that fails after its create leaves no session, and the rest of the batch does not run in it');
const { it, server, closing } = useRedis(test);

/** A network blip: Redis drops every client connection right after the node created the session (once). */
class BlipStore extends RedisSessionStore {
  blip = true;

  override async create(data: Record<string, JsonValue>, options: CreateSessionOptions): Promise<string> {
    const id = await super.create(data, options);
    if (this.blip) {
      this.blip = false;
      const raw = new Redis(server().url);
      try {
        // SKIPME (the default): every connection but this one.
        await raw.client('KILL', 'TYPE', 'normal');
      } finally {
        raw.disconnect();
      }
      // Seen by the store before the handler goes on (it reconnects 100 ms later at the earliest).
      if (this.client.status === 'ready') await once(this.client, 'close');
    }
    return id;
  }
}

// The store the Reconnected resource waits for (one test at a time).
let watched: BlipStore | undefined;

/** Answers once the store's connection is back: what follows it runs against a Redis that answers. */
@Resource('Reconnected')
class ReconnectedResource {
  @Get('')
  async wait(): Promise<{ ready: true }> {
    const client = (watched as BlipStore).client;
    while (client.status !== 'ready') await once(client, 'ready');
    return { ready: true };
  }
}

it('a connection dropped right after the create: POST Sessions answers 503, what follows answers 401 SESSION_REQUIRED once Redis is back, and Redis keeps nothing of the session', async () => {
  const prefix = 'createblip:';
  const store = new BlipStore({ url: server().url, keyPrefix: prefix, onError: () => undefined });
  closing(() => store.close());
  watched = store;
  closing(() => (watched = undefined));
  const { engine, call } = exagoEngine({}, { store, apis: [exagoTestApi([ReconnectedResource], false)] });
  closing(() => engine.close());
  const res = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Reconnected', Method: 'GET' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p', Value: 'stored' } },
      { Url: 'Parameters', Method: 'GET' },
    ],
  });
  const codes = (res.body as Item[]).map((item) => `${item.ReturnCode}:${item.ResponseContent?.code ?? ''}`);
  assert.equal(codes, ['503:STORE_UNAVAILABLE', '200:', '401:SESSION_REQUIRED', '401:SESSION_REQUIRED'], JSON.stringify(res.body));
  // A destroy Redis did not answer is queued and finished once it answers.
  await store.compensated();
  const raw = new Redis(server().url);
  try {
    // The write guard's operation keys (`:op:`) expire by themselves; nothing else of the session may remain.
    const left = (await raw.keys(`${prefix}*`)).filter((key) => !key.includes(':op:'));
    assert.equal(left, [], 'the session POST Sessions answered 503 for is still in Redis');
  } finally {
    raw.disconnect();
  }
  // Redis is back: the same batch now runs whole, in a session it announces.
  const again = await call({
    url: '/rest/batch',
    body: [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Parameters', Method: 'POST', Payload: { Id: 'p', Value: 'stored' } },
    ],
  });
  assert.equal(
    (again.body as Item[]).map((item) => item.ReturnCode),
    ['201', '201'],
    JSON.stringify(again.body),
  );
});

test.run();
