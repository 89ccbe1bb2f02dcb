import type { Engine } from '@restbatch/core';
import type { RawData, WebSocket } from 'ws';
import { mergeHeaders } from './merge-headers.js';
import { type ClientMessage, type CorrelationId, errorMessage, readClientMessage, type ServerMessage } from './protocol.js';
import type { ResolvedWsOptions } from './ws-options.js';

/** Close code for a client that does not read what it asked for (policy violation). */
export const CLOSE_NOT_READING = 1008;
/** Close code when the server shuts down. */
export const CLOSE_GOING_AWAY = 1001;

/**
 * One WebSocket connection: turns each message into an engine request and each answer into
 * messages. Requests run independently (one AbortController each), bounded by `maxConcurrent`,
 * and the send buffer is watched so a client that stops reading cannot grow it without bound.
 */
export class Connection {
  readonly #running = new Map<CorrelationId, AbortController>();
  #pressureTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly engine: Engine,
    private readonly options: ResolvedWsOptions,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly remoteAddress: string | undefined,
  ) {
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', () => this.#onClose());
    // Errors (bad frames, payload over maxPayload) are followed by 'close'; ws sends the close code.
    ws.on('error', () => {});
  }

  /** Requests now running on this connection. */
  get running(): number {
    return this.#running.size;
  }

  /** Closes from the server side: running requests are aborted; a peer that does not answer is cut off. */
  close(code: number, reason: string): void {
    this.#abortAll();
    if (this.ws.readyState === this.ws.CLOSED) return;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    this.#graceTimer ??= setTimeout(() => this.ws.terminate(), this.options.closeGraceMs).unref();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.#send(errorMessage(undefined, 'UNSUPPORTED_MEDIA_TYPE', 'Binary messages are not accepted; send JSON text'));
      return;
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    const message = readClientMessage(text);
    if ('type' in message) this.#send(message);
    else this.#run(message).catch(() => this.#send(errorMessage(message.id, 'INTERNAL', 'Internal server error')));
  }

  async #run(message: ClientMessage): Promise<void> {
    const { id } = message;
    if (this.#running.has(id)) {
      this.#send(errorMessage(id, 'BATCH_MALFORMED', `id ${JSON.stringify(id)} is already in use by a running request on this connection`));
      return;
    }
    if (this.#running.size >= this.options.maxConcurrent) {
      this.#send(errorMessage(id, 'RATE_LIMITED', `At most ${this.options.maxConcurrent} requests may run at once on one connection`));
      return;
    }
    const headers = mergeHeaders(this.headers, message.headers, this.options.protectedHeaders, message.text !== undefined);
    if ('refused' in headers) {
      this.#send(
        errorMessage(id, 'INVALID_HEADER', `A message may not set the ${headers.refused} header; it comes from the upgrade request only`),
      );
      return;
    }
    const controller = new AbortController();
    this.#running.set(id, controller);
    try {
      const response = await this.engine.dispatch({
        method: message.method,
        url: message.endpoint,
        headers,
        body: message.text,
        signal: controller.signal,
        transport: 'ws',
        remoteAddress: this.remoteAddress,
        onResult: (item, result) => this.#send({ id, type: 'result', index: result.index, item }),
      });
      if (!controller.signal.aborted) {
        this.#send({ id, type: 'response', status: response.status, headers: { ...response.headers }, body: response.body });
      }
    } finally {
      this.#running.delete(id);
    }
  }

  #send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Checked before sending: a client that has not drained what it was sent gets nothing more,
    // so a stalled client holds at most maxBufferedBytes plus one message.
    if (this.ws.bufferedAmount >= this.options.maxBufferedBytes) {
      this.close(CLOSE_NOT_READING, 'Send buffer full: the client is not reading');
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      // A handler returned something JSON cannot carry; the client still learns its request failed.
      text = JSON.stringify(errorMessage(message.id, 'INTERNAL', 'Internal server error'));
    }
    this.ws.send(text);
    this.#watchPressure();
  }

  /** Over the high-water mark: stop reading (no new work) until the buffer drains, or close. */
  #watchPressure(): void {
    const buffered = this.ws.bufferedAmount;
    if (buffered <= this.options.highWaterMark || this.#pressureTimer !== undefined) return;
    this.ws.pause();
    const since = Date.now();
    this.#pressureTimer = setInterval(
      () => {
        if (this.ws.bufferedAmount <= this.options.highWaterMark) {
          this.#stopWatching();
          this.ws.resume();
        } else if (Date.now() - since >= this.options.drainTimeoutMs) {
          this.#stopWatching();
          this.close(CLOSE_NOT_READING, 'The client is not reading');
        }
      },
      Math.min(50, this.options.drainTimeoutMs),
    );
  }

  #stopWatching(): void {
    clearInterval(this.#pressureTimer);
    this.#pressureTimer = undefined;
  }

  #abortAll(): void {
    for (const controller of this.#running.values()) controller.abort();
  }

  #onClose(): void {
    this.#abortAll();
    this.#stopWatching();
    clearTimeout(this.#graceTimer);
  }
}
