import type { Engine } from '@restbatch/core';
import { restbatch } from '@restbatch/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * A Fastify app with the engine's APIs mounted by the `@restbatch/fastify` plugin, next to the
 * app's own routes (which keep Fastify's JSON parser and error handler).
 */
export async function createFastifyApp(engine: Engine): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  app.get('/health', async () => ({ ok: true }));
  await app.register(restbatch, { engine, maxBodyBytes: 64 * 1024 });
  return app;
}
