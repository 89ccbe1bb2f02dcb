import 'reflect-metadata';
import {
  createEngine,
  type Engine,
  guidewireDialect,
  type HandlerContext,
  odataDialect,
  Patch,
  Post,
  Resource,
  RestBatchError,
  Get,
} from '@restbatch/core';
import { createDirectCaller } from '@restbatch/direct';
import { claimApi, type ClaimApiOptions } from '@restbatch/example-server';
import { createHttpHandler } from '@restbatch/http';
import { listen } from './listen.js';

/** The transports the dialect suites run every rule through. */
export const TRANSPORTS = ['direct', 'http'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** One outer request, as a client sends it. */
export interface CallRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** What a client gets back: status, lower-case headers, the JSON body (or undefined). */
export interface CallResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A running test engine behind one transport. */
export interface ClaimHarness {
  engine: Engine;
  call: (request: CallRequest) => Promise<CallResponse>;
  /** The base URL when served over HTTP. */
  url: string | undefined;
  logged: Array<Record<string, unknown>>;
  close: () => Promise<void>;
}

/** Echoes what a handler received: the header inheritance rules are visible in its answers. */
@Resource('echo')
export class EchoResource {
  @Get(':name')
  read(ctx: HandlerContext): unknown {
    return { name: ctx.params.name, headers: { ...ctx.headers }, query: { ...ctx.query } };
  }

  @Post()
  create(ctx: HandlerContext): unknown {
    return { body: ctx.body, headers: { ...ctx.headers } };
  }

  @Patch(':name')
  fail(ctx: HandlerContext): never {
    throw new RestBatchError('CONFLICT', `echo ${ctx.params.name} always conflicts`);
  }
}

/** An API of the echo resource with both dialects, at `/rest/echo/v1`. */
export function echoApi(options: ClaimApiOptions = {}) {
  const guidewire = guidewireDialect(options.guidewire);
  return {
    base: '/rest/echo/v1',
    resources: [EchoResource],
    batch: [
      { path: 'batch', dialect: guidewire },
      { path: '$batch', dialect: odataDialect(options.odata) },
    ],
    errors: guidewire,
  };
}

/** A fresh engine with the example claim API (and the echo API), served by `transport`. */
export async function claimHarness(transport: Transport, options: ClaimApiOptions = {}): Promise<ClaimHarness> {
  const logged: Array<Record<string, unknown>> = [];
  const engine = createEngine({
    apis: [claimApi(options), echoApi(options)],
    logger: { error: (fields, message) => logged.push({ message, ...fields }) },
  });
  if (transport === 'direct') {
    const direct = createDirectCaller(engine);
    return { engine, call: (r) => direct({ ...r, method: r.method ?? 'POST' }), url: undefined, logged, close: async () => {} };
  }
  const server = await listen(createHttpHandler(engine));
  const call = async (r: CallRequest): Promise<CallResponse> => {
    const headers: Record<string, string> = r.body === undefined ? { ...r.headers } : { 'content-type': 'application/json', ...r.headers };
    const res = await fetch(`${server.url}${r.url}`, {
      method: r.method ?? 'POST',
      headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
    });
    const text = await res.text();
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      out[name] = value;
    });
    return { status: res.status, headers: out, body: text === '' ? undefined : JSON.parse(text) };
  };
  return { engine, call, url: server.url, logged, close: server.close };
}

/** Registers `name` once per transport, each run on a fresh harness that is closed afterwards. */
export function eachTransport(
  test: (name: string, fn: () => Promise<void>) => void,
  name: string,
  fn: (h: ClaimHarness) => Promise<void>,
  options: ClaimApiOptions = {},
): void {
  for (const transport of TRANSPORTS) {
    test(`${name} (${transport})`, async () => {
      const h = await claimHarness(transport, options);
      try {
        await fn(h);
      } finally {
        await h.close();
      }
    });
  }
}

/** A Guidewire batch answer, typed for assertions. */
export interface GwItem {
  status: number;
  headers: Record<string, string>;
  body?: any;
}

/** The `responses` of a Guidewire or OData batch answer. */
export function responses(res: CallResponse): GwItem[] {
  return (res.body as { responses: GwItem[] }).responses;
}

/** Adds `count` notes (`note 0`, `note 1`, ...) to a claim through Guidewire batches of 100; asserts each was created. */
export async function addNotes(call: ClaimHarness['call'], count: number, claimId = 'cc:22'): Promise<void> {
  for (let from = 0; from < count; from += 100) {
    const requests = Array.from({ length: Math.min(100, count - from) }, (_, i) => ({
      method: 'post',
      path: `/claims/${claimId}/notes`,
      data: { attributes: { subject: `s${from + i}`, body: `note ${from + i}` } },
    }));
    const res = await call({ url: '/rest/claim/v1/batch', body: { requests } });
    const failed = responses(res).filter((r) => r.status !== 201);
    if (res.status !== 200 || failed.length > 0) throw new Error(`adding notes failed: ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

/** A Guidewire error body. */
export interface GwError {
  status: number;
  errorCode: string;
  userMessage: string;
  developerMessage: string;
  details: any[];
}

/** A claim API list page. */
export interface ListPage {
  count: number;
  total?: number;
  data: Array<{ id: string; type: string; attributes: Record<string, unknown>; checksum: string; links: { self: { href: string } } }>;
  links: { self: { href: string; methods: string[] }; next?: { href: string; methods: string[] }; prev?: { href: string } };
}
