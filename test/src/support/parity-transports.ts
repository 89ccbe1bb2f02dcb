import { type Engine, JSON_TYPE } from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { createExampleEngine } from '@restbatch/example-server';
import * as httpPackage from '@restbatch/http';
import { listen } from './listen.js';
import { startWs, TestClient } from './ws-test-client.js';

/** One row of the parity table: a request, the engine it runs against, and the status all transports must answer. */
export interface ParityCase {
  name: string;
  /** A fresh engine for one transport's run of the case. */
  engine: () => Engine;
  /** Outer method (default POST). */
  method?: string;
  /** Path with query: a batch endpoint or an ordinary route. */
  url: string;
  headers?: Record<string, string>;
  /** The body as a value (sent as JSON). */
  body?: unknown;
  /** The body as wire text, sent as it is (malformed or single-quoted JSON). */
  raw?: string;
  /** The status every transport must answer. */
  status: number;
  /**
   * Body fields (and response header names) whose values may differ between transports for a
   * stated reason, replaced by a placeholder before comparing (an HTTP body over the limit is
   * refused before it is fully read, so its message cannot quote the byte count).
   */
  mayDiffer?: readonly string[];
  /**
   * How many times the case is sent to one engine through one transport (default 1): the last
   * answer is compared (a replayed batch, a spent budget).
   */
  sends?: number;
  /** With `sends`: the headers of every send but the last (a retry that changes a header). */
  earlierHeaders?: Record<string, string>;
  /** Further checks of the (normalized) body and headers, run once. */
  check?: (body: unknown, headers: Record<string, string>) => void;
}

/** What a transport answered, reduced to what must be identical. */
export interface ParityAnswer {
  status: number;
  /** The outer response headers, names in lower case. */
  headers: Record<string, string>;
  body: unknown;
  /** The sub-responses streamed before the answer (transports that stream). */
  streamed?: unknown[];
}

/** A transport under test: sends one case to a fresh engine. */
export interface ParityTransport {
  name: string;
  send(engine: Engine, c: ParityCase): Promise<ParityAnswer>;
}

const direct: ParityTransport = {
  name: 'direct',
  async send(engine, c) {
    const call = createDirectCaller(engine);
    const res = await call({ method: c.method, url: c.url, headers: c.headers, body: c.body, raw: c.raw });
    return { status: res.status, headers: res.headers, body: res.body };
  },
};

/** HTTP over node:http; filled in only when @restbatch/http exports its handler. */
function httpTransport(): ParityTransport | undefined {
  const create = (httpPackage as Record<string, unknown>).createHttpHandler as typeof httpPackage.createHttpHandler | undefined;
  if (typeof create !== 'function') return undefined;
  return {
    name: 'http',
    async send(engine, c) {
      const server = await listen(create(engine));
      try {
        const text = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
        const headers = text === undefined ? { ...c.headers } : { 'content-type': 'application/json', ...c.headers };
        const res = await fetch(`${server.url}${c.url}`, { method: c.method ?? 'POST', headers, body: text });
        const body = await res.text();
        const out: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          out[name] = value;
        });
        return { status: res.status, headers: out, body: body === '' ? undefined : JSON.parse(body) };
      } finally {
        await server.close();
      }
    },
  };
}

/** Sends a case over WebSocket with the message fields `extra` (none: the protocol's defaults). */
async function sendWs(engine: Engine, c: ParityCase, extra: Record<string, unknown>): Promise<ParityAnswer & { hasBody: boolean }> {
  const server = await startWs(engine);
  const client = await TestClient.open(server.url);
  try {
    const message: { id: string } & Record<string, unknown> = {
      id: 'parity',
      endpoint: c.url,
      method: c.method,
      headers: c.headers,
      ...extra,
    };
    if (c.raw !== undefined) message.bodyText = c.raw;
    else if (c.body !== undefined) message.body = c.body;
    const answer = await client.request(message);
    const final = answer.final;
    if (final.type === 'response')
      return {
        status: final.status,
        headers: final.headers,
        body: final.body,
        hasBody: 'body' in final,
        streamed: answer.results.map((r) => r.item),
      };
    // An error frame carries no headers: a case that ends in one shows up as a header difference.
    return { status: final.type === 'error' ? final.status : 0, headers: {}, body: final, hasBody: true };
  } finally {
    await client.close();
    await server.close();
  }
}

const ws: ParityTransport = {
  name: 'ws',
  async send(engine, c) {
    const { hasBody: _, ...answer } = await sendWs(engine, c, {});
    return answer;
  },
};

/**
 * WebSocket with `"response": "summary"` (docs/websocket.md): a batch that streamed its items
 * answers without body (`hasBody` false); anything else answers as {@link ws} does.
 */
export const wsSummary = {
  name: 'ws (response summary)',
  send: (engine: Engine, c: ParityCase) => sendWs(engine, c, { response: 'summary' }),
};

/** A fresh engine of the example server (Exago at `/rest`, the claim API with both dialects at `/rest/claim/v1`). */
export function exampleParityEngine(): Engine {
  return createExampleEngine({ logger: { error: () => undefined } });
}

/** The items a batch answer carries: the array itself (Exago), or the envelope's `responses`. */
export function batchItems(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  const responses = (body as { responses?: unknown } | undefined)?.responses;
  return Array.isArray(responses) ? responses : undefined;
}

/** Every transport available now, direct first (the reference). */
export function parityTransports(): ParityTransport[] {
  return [direct, httpTransport(), ws].filter((t): t is ParityTransport => t !== undefined);
}

const HEX32 = /\b[0-9a-f]{32}\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

/** Replaces values that must differ between runs (session ids, ApiKeys, AppUrls, correlation ids) by placeholders. */
export function normalize(value: unknown, mayDiffer: readonly string[] = []): unknown {
  if (typeof value === 'string') return value.replace(UUID, '<uuid>').replace(HEX32, '<hex32>');
  if (Array.isArray(value)) return value.map((v) => normalize(v, mayDiffer));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = key === 'correlationId' ? '<correlation-id>' : mayDiffer.includes(key) ? `<${key}>` : normalize(v, mayDiffer);
    }
    return out;
  }
  return value;
}

/**
 * Headers that only frame the bytes of one transport: HTTP adds its own (length, date, connection);
 * direct and WebSocket carry values, not bytes.
 */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The headers every transport must answer alike: names lower-cased, framing dropped, run-specific
 * values replaced as in {@link normalize}. A content type is compared as the client's README has it:
 * only `application/json; charset=utf-8`, what the HTTP transports write for an answer that names no
 * media type, is framing; a media type the answer names (problem details, OData's) is the answer's
 * own, on every transport, and an answer without content (204) names none.
 */
export function normalizeHeaders(headers: Record<string, string>, mayDiffer: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase();
    if (FRAMING_HEADERS.has(lower) || (lower === 'content-type' && headers[name] === JSON_TYPE)) continue;
    out[lower] = mayDiffer.includes(lower) ? `<${lower}>` : (normalize(headers[name]) as string);
  }
  return out;
}
