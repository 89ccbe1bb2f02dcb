import { request } from 'node:http';
import type { Engine } from '@restbatch/core';
import { createHttpHandler } from '@restbatch/http';
import { listen } from './listen.js';

/** An answer read over HTTP: status, headers and the JSON body. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Options of one request: headers, the local address it leaves from (127.0.0.x), an abort signal. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  from?: string;
  signal?: AbortSignal;
}

/** `engine` served by @restbatch/http on node:http, and a client that can leave from any 127.0.0.x address. */
export async function serveOverHttp(engine: Engine): Promise<{
  send: (path: string, body?: unknown, options?: SendOptions) => Promise<HttpAnswer>;
  close: () => Promise<void>;
}> {
  const server = await listen(createHttpHandler(engine));
  const { port } = new URL(server.url);
  const send = (path: string, body?: unknown, options: SendOptions = {}) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: options.method ?? (text === undefined ? 'GET' : 'POST'),
          localAddress: options.from ?? '127.0.0.1',
          headers: { ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
          signal: options.signal,
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            data += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data === '' ? undefined : JSON.parse(data) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  return { send, close: server.close };
}
