import { fileURLToPath } from 'node:url';
import { request as httpRequest } from 'node:http';
import { Socket } from 'node:net';
import type { Engine } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createHttpHandler } from '@restbatch/http';
import { listen } from './listen.js';
import { startWs, TestClient } from './ws-test-client.js';

/** One outer request of a security case. */
export interface SecRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** The body as a value (sent as JSON). */
  body?: unknown;
  /** The body as wire text, sent as it is. */
  raw?: string;
}

/** What a client saw: status, lower-case headers, parsed body, and every byte of it as text. */
export interface SecAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** Everything the client received (headers and body), for leak checks. */
  text: string;
}

/** A transport serving one engine for one case. */
export interface OpenTransport {
  send(request: SecRequest): Promise<SecAnswer>;
  /** The port of the test's own server, when there is one. */
  readonly port: number | undefined;
  close(): Promise<void>;
}

/** The three transports every bad input goes through. */
export const TRANSPORT_NAMES = ['direct', 'http', 'ws'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** Serves `engine` through `name`. */
export async function openTransport(name: TransportName, engine: Engine): Promise<OpenTransport> {
  if (name === 'direct') {
    const call = createDirectCaller(engine);
    return {
      port: undefined,
      async send(r) {
        const res = await call({ method: r.method ?? 'POST', url: r.url, headers: r.headers, body: r.body, raw: r.raw });
        return { status: res.status, headers: res.headers, body: res.body, text: JSON.stringify(res) };
      },
      close: async () => undefined,
    };
  }
  if (name === 'http') {
    const server = await listen(createHttpHandler(engine));
    const port = Number(new URL(server.url).port);
    return { port, send: (r) => httpSend(port, r), close: server.close };
  }
  const server = await startWs(engine);
  const client = await TestClient.open(server.url);
  let next = 0;
  return {
    port: Number(new URL(server.url).port),
    async send(r) {
      const id = `m${next++}`;
      const message: { id: string } & Record<string, unknown> = { id, endpoint: r.url, method: r.method ?? 'POST' };
      if (r.headers !== undefined) message.headers = r.headers;
      if (r.raw !== undefined) message.bodyText = r.raw;
      else if (r.body !== undefined) message.body = r.body;
      const answer = await client.request(message);
      const text = JSON.stringify(answer);
      const final = answer.final;
      if (final.type === 'response') return { status: final.status, headers: final.headers, body: final.body, text };
      if (final.type === 'error') return { status: final.status, headers: {}, body: { code: final.code, message: final.message }, text };
      throw new Error(`unexpected message ${text}`);
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}

function httpSend(port: number, r: SecRequest): Promise<SecAnswer> {
  const text = r.raw ?? (r.body === undefined ? undefined : JSON.stringify(r.body));
  const headers: Record<string, string> = text === undefined ? { ...r.headers } : { 'content-type': 'application/json', ...r.headers };
  if (text !== undefined) headers['content-length'] = String(Buffer.byteLength(text));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: r.method ?? 'POST', path: r.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
        let body: unknown;
        try {
          body = raw === '' ? undefined : JSON.parse(raw);
        } catch {
          body = raw;
        }
        resolve({ status: res.statusCode ?? 0, headers: out, body, text: `${JSON.stringify(out)}\n${raw}` });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Where a socket tried to connect. */
export interface ConnectTarget {
  host: string | undefined;
  port: number | undefined;
  path: string | undefined;
}

/**
 * Records every outbound connection this process opens (net.Socket#connect), so a test can prove
 * that no input made the server reach out anywhere but the test's own server.
 */
export function watchConnections(): { targets: ConnectTarget[]; restore: () => void } {
  const original = Socket.prototype.connect;
  const targets: ConnectTarget[] = [];
  Socket.prototype.connect = function (this: Socket, ...args: any[]) {
    let first = args[0];
    if (Array.isArray(first)) first = first[0];
    if (typeof first === 'object' && first !== null)
      targets.push({ host: first.host, port: first.port === undefined ? undefined : Number(first.port), path: first.path });
    else if (typeof first === 'number' || /^\d+$/.test(String(first)))
      targets.push({ host: typeof args[1] === 'string' ? args[1] : undefined, port: Number(first), path: undefined });
    else targets.push({ host: undefined, port: undefined, path: String(first) });
    return (original as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof original;
  return { targets, restore: () => (Socket.prototype.connect = original) };
}

// The checkout's root (test/dist/support/ -> ../../../), wherever the tests run (a CI clone too).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/**
 * A stack frame (`at fn (file:1:2)`, `at file:1:2`), an absolute path of this checkout or a source
 * location. Prose that merely says "at" (`No resource at /(`) is not a leak.
 */
export const LEAK = new RegExp(
  `\\bat (?:\\S+ \\()?\\S*:\\d+:\\d+\\)?|${ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|/work/|node:internal|\\.ts:\\d|\\.js:\\d`,
);

/** The first string under a `code` or `errorCode` key, searched depth first. */
export function codeOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['code', 'errorCode']) if (typeof record[key] === 'string') return record[key] as string;
  for (const v of Object.values(record)) {
    const found = codeOf(v);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The sub-results of a batch answer in any dialect, as `[status, code]` pairs. */
export function slots(body: unknown): Array<[number, string | undefined]> {
  if (Array.isArray(body)) {
    return body.map((item: { ReturnCode: string; ResponseContent: unknown }) => [Number(item.ReturnCode), codeOf(item.ResponseContent)]);
  }
  const responses = (body as { responses?: Array<{ status: number; body?: unknown }> } | undefined)?.responses;
  if (!Array.isArray(responses)) throw new Error(`not a batch answer: ${JSON.stringify(body)}`);
  return responses.map((item) => [item.status, item.status >= 400 ? codeOf(item.body) : undefined]);
}
