import {
  bytesTaken,
  bytesUnsent,
  checkHeaderLimits,
  checkHeaderSyntax,
  type Engine,
  type ErrorCode,
  RestBatchError,
  shuttingDownError,
  toRestBatchError,
} from '@restbatch/core';
import type { RawData, WebSocket } from 'ws';
import { CLOSE_GOING_AWAY, CLOSE_MESSAGE_RATE } from './close-codes.js';
import { IdleWatch } from './idle-watch.js';
import { mergeHeaders, type Upgrade } from './merge-headers.js';
import { MessageGate } from './message-gate.js';
import { Outbox, type OutboxOwner } from './outbox.js';
import { ResultGroup } from './result-group.js';
import {
  type ClientMessage,
  type CorrelationId,
  errorMessage,
  readClientMessage,
  type ResponseMessage,
  type ServerMessage,
} from './protocol.js';
import type { SendBudget } from './send-budget.js';
import type { ResolvedWsOptions } from './ws-options.js';

/** The private field of ws behind {@link Connection.unsent} and {@link Connection.taken}: its net.Socket (a tls.TLSSocket under wss). */
interface SocketInternals {
  _socket?: { destroyed?: boolean } | null;
}

/**
 * One WebSocket connection: turns each message into an engine request and each answer into
 * messages. Requests run independently (one AbortController each), bounded by `maxConcurrent`.
 * Incoming messages pass a rate budget ({@link MessageGate}), outgoing ones a send buffer with
 * backpressure ({@link Outbox}), and an idle connection is dropped ({@link IdleWatch}).
 */
export class Connection implements OutboxOwner {
  readonly #running = new Map<CorrelationId, AbortController>();
  readonly #outbox: Outbox;
  readonly #gate: MessageGate;
  readonly #idle: IdleWatch;
  readonly #paused = { pressure: false, throttle: false };
  #closing = false;
  #draining = false;
  #settled: (() => void) | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly engine: Engine,
    private readonly options: ResolvedWsOptions,
    private readonly upgrade: Upgrade,
    private readonly remoteAddress: string | undefined,
    budget: SendBudget,
  ) {
    this.#outbox = new Outbox(ws, options, budget, this, () => engine.nextTurn());
    this.#gate = new MessageGate(options.maxMessagesPerWindow, options.messageWindowMs, {
      handle: (data, isBinary) => this.#guard(() => this.#onMessage(data, isBinary)),
      throttle: (on) => this.#pauseReading('throttle', on),
      overflow: () => this.#flooded(),
    });
    this.#idle = new IdleWatch(options.idleTimeoutMs, {
      busy: () => this.#running.size > 0 || this.#outbox.pressured,
      ping: () => this.#outbox.ping(),
      expire: () => this.close(CLOSE_GOING_AWAY, 'Idle timeout'),
    });
    ws.on('message', (data, isBinary) =>
      this.#guard(() => {
        if (this.#closing) return;
        this.#idle.seen();
        this.#gate.offer(data, isBinary);
      }),
    );
    ws.on('pong', () => this.#idle.seen());
    // Pings are answered here, not by ws (autoPong is off): a ping and its pong cost like a message
    // and its reply, a ping flood meets the gate's 1008 rather than ws's own cap on pending pongs,
    // and the pong goes through the outbox, under the bounds of every message sent.
    ws.on('ping', (data) => {
      if (this.#closing) return;
      this.#idle.seen();
      this.#gate.charge(2);
      if (!this.#closing) this.#outbox.pong(data);
    });
    // A close frame (either side's): running requests are aborted now, not once the TCP socket closes
    // (a peer may keep it open for ws's close timeout); a peer that does not close it is cut off after closeGraceMs.
    ws.on('closing', () => this.close(CLOSE_GOING_AWAY, 'closing'));
    ws.on('close', () => this.#onClose());
    // Errors (bad frames, payload over maxPayload) are followed by 'close'; ws sends the close code.
    ws.on('error', () => {});
  }

  /** Requests now running on this connection. */
  get running(): number {
    return this.#running.size;
  }

  /** Bytes waiting to be sent to this client. */
  get buffered(): number {
    // A destroyed socket (cut off) holds nothing more: its writes are dropped, though ws still counts
    // them until the 'close' event; the send budget has already given their room away.
    if ((this.ws as unknown as SocketInternals)._socket?.destroyed === true) return 0;
    return this.ws.bufferedAmount;
  }

  /**
   * Bytes libuv has not yet written to the TCP socket (core's `bytesUnsent`: `writeQueueSize` of the
   * net.Socket's handle, under wss of the TCP handle beneath TLS). A private field, read because
   * nothing public moves while a client reads one large message: `bufferedAmount` falls only when
   * a whole write completes. Absent (another runtime, a socket without a handle), this is
   * `undefined` and the budget judges by `bufferedAmount` alone.
   */
  get unsent(): number | undefined {
    return bytesUnsent((this.ws as unknown as SocketInternals)._socket);
  }

  /** Bytes the operating system has taken from the socket so far: what the write timeout counts as the client reading. */
  get taken(): number {
    return bytesTaken((this.ws as unknown as SocketInternals)._socket);
  }

  /**
   * Shuts the connection down gracefully: new requests are refused with `SHUTTING_DOWN`; running
   * ones may finish and send their last messages (grouped results, then `response`) for at most
   * `closeGraceMs`; then it closes with `code` (whatever still runs is aborted).
   */
  async shutdown(code: number, reason: string): Promise<void> {
    this.#draining = true;
    // Requests still waiting for the rate budget are answered now (SHUTTING_DOWN), not dropped. So
    // are those the budget had left unread: reading goes on, and the connection does not close
    // before a read of the socket (two turns of the event loop hold a poll for I/O between them).
    if (!this.#closing && this.#gate.flush()) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.#running.size > 0 && !this.#closing) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#settled = resolve;
        timer = setTimeout(resolve, this.options.closeGraceMs);
      });
      clearTimeout(timer);
      this.#settled = undefined;
    }
    this.close(code, reason);
  }

  /** Closes from the server side: running requests are aborted; a peer that does not answer is cut off. */
  close(code: number, reason: string): void {
    this.#stop();
    if (this.ws.readyState === this.ws.CLOSED) return;
    // Reading again (backpressure or the rate budget may have paused it): the peer's close frame must get through.
    this.ws.resume();
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    this.#graceTimer ??= setTimeout(() => this.ws.terminate(), this.options.closeGraceMs).unref();
  }

  /** Cuts the connection off without a close handshake (the send budget is spent): its buffer is freed at once. */
  terminate(): void {
    this.#stop();
    this.ws.terminate();
  }

  /** The send buffer passed the high-water mark, or drained below it. */
  pressure(on: boolean): void {
    this.#pauseReading('pressure', on);
  }

  #pauseReading(why: 'pressure' | 'throttle', on: boolean): void {
    this.#paused[why] = on;
    if (this.#closing) return;
    if (this.#paused.pressure || this.#paused.throttle) this.ws.pause();
    else this.ws.resume();
  }

  /** More messages than even the queue may hold: closed, and nothing more is read from it. */
  #flooded(): void {
    this.close(CLOSE_MESSAGE_RATE, 'message rate');
    this.ws.pause();
  }

  /**
   * Runs `work` from an event handler: whatever it throws is answered `INTERNAL` here, for a throw
   * out of a ws listener would end the process. The connection stays usable.
   */
  #guard(work: () => void): void {
    try {
      work();
    } catch {
      try {
        this.#send(errorMessage(undefined, 'INTERNAL', 'Internal server error'));
      } catch {
        // Nothing is left to answer with; the connection's own close path remains.
      }
    }
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
    if (this.#draining) {
      this.#refuse(message, shuttingDownError());
      return;
    }
    if (this.#running.has(id)) {
      // A code of its own: this error carries the running request's id but is not its end (its
      // messages go on), and a client must be able to tell the two apart.
      this.#refuse(
        message,
        new RestBatchError(
          'ID_IN_USE',
          `id ${JSON.stringify(id)} is already in use by a running request on this connection; this message was not run, and that request goes on`,
        ),
      );
      return;
    }
    if (this.#running.size >= this.options.maxConcurrent) {
      this.#refuse(
        message,
        new RestBatchError('RATE_LIMITED', `At most ${this.options.maxConcurrent} requests may run at once on one connection`),
      );
      return;
    }
    const headers = this.#headersOf(message);
    if (headers === undefined) return;
    const controller = new AbortController();
    this.#running.set(id, controller);
    // Settled once the final message is handed to the socket (its last fragment) or dropped: until
    // then the batch's results count against the engine's limits.maxResultBytesInFlight.
    let wrote = () => {};
    const written = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const group = message.grouped ? new ResultGroup(id, (results) => this.#deliver(results)?.catch(() => undefined)) : undefined;
    // HTTP sends no body in an answer to HEAD; neither does a response message.
    const head = message.method === 'HEAD';
    // Items handed out so far: with "response": "summary", a batch that streamed its items answers without them again.
    let streamed = 0;
    try {
      const response = await this.engine.dispatch({
        method: message.method,
        url: message.endpoint,
        headers,
        body: message.body,
        signal: controller.signal,
        transport: 'ws',
        remoteAddress: this.remoteAddress,
        connectionId: this.upgrade.connectionId,
        written,
        // The client reads every streamed item: the engine makes no final body of them (a replayed
        // batch, which streams nothing, still answers its kept one).
        streamOnly: message.summaryOnly,
        // Backpressure: while the client is behind, the batch waits here before its next sub-request.
        onResult:
          group === undefined
            ? (item, result) => {
                streamed++;
                return this.#deliver({ id, type: 'result', index: result.index, item });
              }
            : (item, result) => {
                streamed++;
                group.add(result.index, item);
                // A group that waits for room in the send budget holds the batch too, as a result does.
                return this.#outbox.drained() ?? group.pending;
              },
      });
      // The last group goes out (after any drain it waits for) before the response.
      await group?.flush();
      if (!controller.signal.aborted) {
        const final: ResponseMessage = { id, type: 'response', status: response.status, headers: { ...response.headers } };
        // A batch that ran and streamed its items (status below 400: one that failed after some
        // still answers its error body) sends them once: its summary is in its headers.
        if (!head && !(message.summaryOnly && streamed > 0 && response.status < 400)) final.body = response.body;
        // Rejected only when the connection has closed: there is no one left to answer.
        await this.#deliver(final)?.catch(() => undefined);
      }
    } finally {
      group?.flush();
      wrote();
      this.#running.delete(id);
      if (this.#running.size === 0) this.#settled?.();
    }
  }

  /** The outer headers of a message's request, checked as an HTTP parser would; an error message is sent otherwise. */
  #headersOf(message: ClientMessage): Record<string, string> | undefined {
    // node:http counts the request line against its header limit (16 KiB) and answers a longer URL
    // 431: so does a message, with the engine's maxRequestHeaderBytes. Observed with its endpoint cut
    // to the limit, and never echoed.
    const limit = this.engine.limits.maxRequestHeaderBytes;
    const bytes = Buffer.byteLength(message.endpoint);
    if (bytes > limit) {
      const error = new RestBatchError('HEADERS_TOO_LARGE', `The endpoint holds ${bytes} bytes; the limit is ${limit}`, {
        details: { bytes, limit },
      });
      this.#refuse(message, error, this.upgrade.headers, message.endpoint.slice(0, limit));
      return undefined;
    }
    let headers: ReturnType<typeof mergeHeaders>;
    try {
      checkHeaderSyntax(message.headers);
      headers = mergeHeaders(this.upgrade.headers, message.headers, this.options.protectedHeaders, message.body !== undefined);
    } catch (error) {
      // Observed with the upgrade request's headers only: the message's are malformed.
      this.#refuse(message, toRestBatchError(error), this.upgrade.headers);
      return undefined;
    }
    if ('refused' in headers) {
      const reason = `A message may not set the ${headers.refused.slice(0, 100)} header; it comes from the upgrade request only`;
      this.#refuse(message, new RestBatchError('INVALID_HEADER', reason), this.upgrade.headers);
      return undefined;
    }
    try {
      checkHeaderLimits(headers, this.engine.limits);
    } catch (error) {
      this.#refuse(message, toRestBatchError(error), headers);
      return undefined;
    }
    return headers;
  }

  /**
   * Refuses a request before it runs, as the other transports refuse theirs: the engine observes it
   * ({@link Engine.refuse}: `onBatchEnd` with `items` undefined, a server span, its metrics), and the
   * client gets an error message with the code and the status the engine answered with. `headers`
   * default to the message's merged with the upgrade's when they are valid, else the upgrade's; `url`
   * (what is observed) to the message's endpoint.
   */
  #refuse(
    message: ClientMessage,
    error: RestBatchError,
    headers: Readonly<Record<string, string>> = this.#observedHeaders(message),
    url = message.endpoint,
  ): void {
    const { status } = this.engine.refuse(
      { method: message.method, url, headers, transport: 'ws', connectionId: this.upgrade.connectionId },
      error,
    );
    this.#send({ ...errorMessage(message.id, error.code as ErrorCode, error.message), status });
  }

  #observedHeaders(message: ClientMessage): Readonly<Record<string, string>> {
    try {
      checkHeaderSyntax(message.headers);
      const headers = mergeHeaders(this.upgrade.headers, message.headers, this.options.protectedHeaders, message.body !== undefined);
      return 'refused' in headers ? this.upgrade.headers : headers;
    } catch {
      return this.upgrade.headers;
    }
  }

  /**
   * Sends a result or a response once the send buffer is below the high-water mark: at once when
   * it is, otherwise when it drains (the promise rejects if the connection closes first). So no
   * batch adds to the buffer of a client that is behind, and a huge response is never followed
   * by more of the same connection's results until the client has read it.
   */
  #deliver(message: ServerMessage): Promise<void> | undefined {
    const drained = this.#outbox.drained();
    // Then the transport's send budget: a message that would pass it waits for room (Outbox.deliver).
    if (drained === undefined) return this.#outbox.deliver(message);
    // Asked again once drained: every message that waited is released by the same drain, and the
    // first one sent may fill the buffer again (a batch's final response can be megabytes). Sent
    // regardless, the next one would find the buffer over maxBufferedBytes and close the connection
    // of a client that is reading.
    return drained.then(() => this.#deliver(message));
  }

  /**
   * Every message out; error replies count against the connection's message budget too, except
   * while draining: each request is then answered `SHUTTING_DOWN`, and charging those answers would
   * leave later requests waiting for a window the connection no longer has (or close it as a flood).
   */
  #send(message: ServerMessage): void {
    if (message.type === 'error' && !this.#draining) this.#gate.charge();
    this.#outbox.send(message);
  }

  #stop(): void {
    if (this.#closing) return;
    // Closing during a drain: what still waits for the budget is answered (SHUTTING_DOWN) while the outbox can.
    if (this.#draining) this.#gate.flush();
    this.#closing = true;
    for (const controller of this.#running.values()) controller.abort();
    this.#gate.stop();
    this.#idle.stop();
    this.#outbox.stop();
  }

  #onClose(): void {
    this.#stop();
    this.#settled?.();
    clearTimeout(this.#graceTimer);
  }
}
