import { type ClaimHarness, claimHarness } from './claim-engine.js';

/** The claim API's OData batch endpoint. */
export const BATCH = '/rest/claim/v1/$batch';

/** An OData batch answer over HTTP: status, lower-case outer headers, the JSON text and its value. */
export interface OdataAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: any;
}

/** Posts `body` to `path` of a harness served over HTTP, with exactly `headers` (plus a JSON Content-Type). */
export async function post(h: ClaimHarness, body: unknown, headers: Record<string, string> = {}, path = BATCH): Promise<OdataAnswer> {
  return send(h, 'POST', path, body, headers);
}

/** Sends one request to a harness served over HTTP. */
export async function send(
  h: ClaimHarness,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<OdataAnswer> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    out[name] = value;
  });
  return { status: res.status, headers: out, text, body: text === '' ? undefined : JSON.parse(text) };
}

/** Registers a test that runs on a fresh claim engine served over node:http, closed afterwards. */
export function overHttp(
  test: (name: string, fn: () => Promise<void>) => void,
  name: string,
  fn: (h: ClaimHarness) => Promise<void>,
): void {
  test(name, async () => {
    const h = await claimHarness('http');
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  });
}

/** The number of notes on claim cc:22, read with an ordinary call. */
export async function noteCount(h: ClaimHarness): Promise<number> {
  return (await send(h, 'GET', '/rest/claim/v1/claims/cc:22/notes')).body.count;
}

/** A request object that adds a note to claim cc:22. */
export const note = (id: string, more: object = {}) => ({
  id,
  method: 'post',
  url: 'claims/cc:22/notes',
  headers: { 'content-type': 'application/json' },
  body: { data: { attributes: { body: `note ${id}` } } },
  ...more,
});

/** A request object that fails with 404 (no such claim). */
export const missing = (id: string, more: object = {}) => ({ id, method: 'get', url: 'claims/cc:404', ...more });
