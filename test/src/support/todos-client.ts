import { request } from 'undici';

/** The batch every mount test sends: add a to-do, then list them, in the OData JSON dialect. */
export const TODOS_BATCH = {
  requests: [
    { id: 'add', method: 'POST', url: '/todos', headers: { 'content-type': 'application/json' }, body: { title: 'milk' } },
    { id: 'list', method: 'GET', url: '/todos' },
  ],
};

/** The answer to {@link TODOS_BATCH} on a fresh engine. */
export const TODOS_ANSWER = [
  { id: 'add', status: 201, body: { id: '1', title: 'milk', done: false } },
  { id: 'list', status: 200, body: [{ id: '1', title: 'milk', done: false }] },
];

type Response = { id: string; status: number; body: unknown };

/** Sends `body` (a value is sent as JSON text) and reads the answer. */
export async function send(url: string, method: string, body?: unknown, headers: Record<string, string> = {}) {
  const text = body === undefined || typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await request(url, {
    method: method as 'GET',
    headers: text === undefined || typeof body === 'string' ? headers : { 'content-type': 'application/json', ...headers },
    body: text,
  });
  const raw = await res.body.text();
  const type = String(res.headers['content-type'] ?? '');
  return {
    status: res.statusCode,
    headers: res.headers,
    type,
    raw,
    json: raw !== '' && type.startsWith('application/json') ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
  };
}

/** The batch's responses without their headers, for comparing with {@link TODOS_ANSWER}. */
export function responsesOf(json: Record<string, unknown> | undefined): Response[] {
  return ((json?.responses ?? []) as Response[]).map(({ id, status, body }) => ({ id, status, body }));
}

/** The `{error: {code, message}}` of a dialect's error body; throws when the body has none. */
export function errorOf(json: Record<string, unknown> | undefined): { code: string; message: string } {
  const error = json?.error as { code: string; message: string } | undefined;
  if (error === undefined) throw new Error(`no error in ${JSON.stringify(json)}`);
  return error;
}
