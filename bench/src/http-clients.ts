import { Pool } from 'undici';
import WebSocket from 'ws';
import { countSuccesses, type ExagoCall, isSuccess, sessionIdOf } from './exago-mix.js';

/** What one client run reports: 2xx answers and the session it made (to end it afterwards). */
export interface RunOutcome {
  ok: number;
  sessionId: string | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** One HTTP keep-alive connection to the server, used strictly one request at a time. */
export function httpPool(url: string): Pool {
  return new Pool(url, { connections: 1, pipelining: 1 });
}

/** The whole mix as one `POST /rest/batch`. */
export async function httpBatch(pool: Pool, calls: readonly ExagoCall[]): Promise<RunOutcome> {
  const response = await pool.request({ path: '/rest/batch', method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(calls) });
  const body = await response.body.json();
  return { ok: response.statusCode === 200 ? countSuccesses(body) : 0, sessionId: sessionIdOf(body) };
}

/** The same mix as separate ordinary requests: `POST /rest/Sessions`, then `/rest/<Url>?sid=`. */
export async function httpSeparate(pool: Pool, calls: readonly ExagoCall[]): Promise<RunOutcome> {
  const created = await pool.request({ path: '/rest/Sessions', method: 'POST', headers: JSON_HEADERS, body: '{}' });
  const session = (await created.body.json()) as { Id?: string };
  const sid = session.Id;
  let ok = created.statusCode < 300 ? 1 : 0;
  for (let i = 1; i < calls.length; i++) {
    const call = calls[i] as ExagoCall;
    const response = await pool.request({
      path: `/rest/${call.Url}?sid=${sid}`,
      method: call.Method,
      headers: call.Payload === undefined ? undefined : JSON_HEADERS,
      body: call.Payload === undefined ? undefined : JSON.stringify(call.Payload),
    });
    await response.body.text();
    if (response.statusCode < 300) ok++;
  }
  return { ok, sessionId: sid };
}

/** The first call of the mix made alone, as an ordinary request: `POST /rest/Sessions`. */
export async function httpCreateSession(pool: Pool): Promise<RunOutcome> {
  const response = await pool.request({ path: '/rest/Sessions', method: 'POST', headers: JSON_HEADERS, body: '{}' });
  const session = (await response.body.json()) as { Id?: string };
  return { ok: response.statusCode < 300 ? 1 : 0, sessionId: session.Id };
}

/** Ends a session with `DELETE /rest/Sessions/{sid}` (outside the timing). */
export async function endSession(pool: Pool, sid: string | undefined): Promise<void> {
  if (sid === undefined) return;
  const response = await pool.request({ path: `/rest/Sessions/${sid}`, method: 'DELETE' });
  await response.body.text();
}

/** A batch waiting for its final message, and what its streamed items counted so far. */
interface WsWaiting {
  ok: number;
  sessionId: string | undefined;
  settle(outcome: RunOutcome): void;
}

/** The `type` of a server message: the first one in its text (the server writes `{"id":…,"type":…` first). */
function typeOf(text: string): string {
  const at = text.indexOf('"type":"') + 8;
  return text.slice(at, text.indexOf('"', at));
}

/** A WebSocket connection to `/rest/ws` that sends batches and waits for each final message. */
export class WsClient {
  readonly #socket: WebSocket;
  readonly #waiting = new Map<number, WsWaiting>();
  #next = 0;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      const text = data.toString();
      // One message per result (the older protocol): not needed here, the final body holds them all.
      if (typeOf(text) === 'result') return;
      const message = JSON.parse(text) as {
        id: number;
        type: string;
        items?: Array<{ index: number; item: unknown }>;
        body?: unknown;
      };
      const waiting = this.#waiting.get(message.id);
      if (waiting === undefined) return;
      if (message.type === 'results') {
        // Grouped, with "response": "summary": the streamed items are the answer, counted as they come.
        for (const { index, item } of message.items ?? []) {
          if (isSuccess(item)) waiting.ok++;
          if (index === 0) waiting.sessionId = sessionIdOf([item]);
        }
        return;
      }
      this.#waiting.delete(message.id);
      if (message.type !== 'response') waiting.settle({ ok: 0, sessionId: undefined });
      // A body: the items were not streamed (the older protocol, or a batch refused whole).
      else if (message.body !== undefined) waiting.settle({ ok: countSuccesses(message.body), sessionId: sessionIdOf(message.body) });
      else waiting.settle({ ok: waiting.ok, sessionId: waiting.sessionId });
    });
    socket.on('close', () => {
      for (const waiting of this.#waiting.values()) waiting.settle({ ok: 0, sessionId: undefined });
      this.#waiting.clear();
    });
  }

  /** Opens a connection to `ws://host:port/rest/ws`. */
  static open(url: string): Promise<WsClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/rest/ws`, { maxPayload: 256 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Runs the mix as one batch message; resolves with its outcome. `grouped` asks as the typed client
   * does: the sub-results of one turn in one `results` message, and a final `response` without the
   * body that would repeat them (`"response": "summary"`), so successes are counted from the stream.
   * Else the older protocol: one `result` message each, then the whole body, counted from the body.
   */
  batch(calls: readonly ExagoCall[], grouped = true): Promise<RunOutcome> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, { ok: 0, sessionId: undefined, settle: resolve });
      const message = grouped
        ? { id, endpoint: '/rest/batch', body: calls, results: 'grouped', response: 'summary' }
        : { id, endpoint: '/rest/batch', body: calls };
      this.#socket.send(JSON.stringify(message));
    });
  }

  close(): void {
    this.#socket.close();
  }
}
