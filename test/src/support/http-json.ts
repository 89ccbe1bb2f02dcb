import type { Engine } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { listen } from './listen.js';

/** A JSON answer read off the wire. */
export interface HttpJson {
  status: number;
  body: unknown;
}

/** An engine served over node:http on a free port; `post` sends a JSON body and parses the answer. */
export interface HttpJsonServer {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpJson>;
  close(): Promise<void>;
}

/** Serves `engine` through `@restbatch/http`; close it in a `finally` block. */
export async function serveJson(engine: Engine): Promise<HttpJsonServer> {
  const server = await listen(createHttpHandler(engine));
  return {
    async post(path, body, headers = {}) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    close: server.close,
  };
}
