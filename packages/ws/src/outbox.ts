import { jsonWholeOrChunks, RestBatchError, WriteWatch } from '@restbatch/core';
import type { WebSocket } from 'ws';
import { CLOSE_INTERNAL_ERROR, CLOSE_NOT_READING } from './close-codes.js';
import { errorMessage, type ServerMessage } from './protocol.js';
import type { BufferHolder, SendBudget } from './send-budget.js';
import { sendFragments } from './send-fragments.js';
import type { ResolvedWsOptions } from './ws-options.js';

/** The connection behind an outbox: closed when its client does not read, told when to stop reading. */
export interface OutboxOwner extends BufferHolder {
  /** Closes the connection from the server side. */
  close(code: number, reason: string): void;
  /** Over the high-water mark (`true`): stop reading new messages; drained below it (`false`): read again. */
  pressure(on: boolean): void;
  /** Bytes the operating system has taken from the connection's socket so far (core's `bytesTaken`): the write timeout's progress. */
  readonly taken: number;
}

/**
 * The sending side of one connection, with backpressure. Above `highWaterMark` bytes waiting,
 * {@link drained} hands batches a promise, so a slow reader pauses them between sub-requests;
 * the promise settles when a completed write finds the buffer below the mark again, or rejects
 * when the connection closes. While the buffer is above the mark, a client that falls behind
 * closes the connection with 1008: its socket took nothing for `drainTimeoutMs` (the write
 * timeout), and what it took before no longer carries it at core's `MIN_READ_BYTES_PER_SECOND`
 * (see `WriteWatch`: progress is the socket taking bytes, not the buffer falling below the mark,
 * which a slow reader of large messages may not do for longer). Every level is reported to the transport's
 * {@link SendBudget}, in bytes: messages go as UTF-8 bytes, which is what `bufferedAmount` then
 * counts (a string would count in UTF-16 units, a third of what a '€' takes on the wire).
 *
 * Results and responses go one at a time, in order. One whose JSON passes 1 Mi characters (a
 * batch's final `response` repeats every result) is made in slices, letting other work run between
 * them (`turn`: the engine's), and sent as the fragments of one message, each waiting for the
 * buffer to drain and for room in the budget: so neither its text nor its bytes exist whole, and
 * the client that stops reading in the middle of it meets the write timeout as before. No other
 * message starts before its last fragment (RFC 6455 §5.4: only control frames may come between).
 *
 * Pongs go under the same bounds ({@link pong}): a client that pings and never reads would
 * otherwise pile them up in the buffer past every mark, one small write each.
 */
export class Outbox {
  readonly #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  readonly #flushed = () => this.#onFlushed();
  /** Over the high-water mark, or a pong waits: batches wait, reading is paused, the write timeout runs. */
  #pressed = false;
  /** The write timeout (`drainTimeoutMs`), measured on the bytes the socket takes (see WriteWatch). */
  readonly #watch: WriteWatch;
  #stopped: Error | undefined;
  /** The last result or response queued to go (they go one at a time); undefined when none is pending. */
  #tail: Promise<void> | undefined;
  /** Error replies due while a message is between its first and last fragment (undefined otherwise): they follow it. */
  #held: Buffer[] | undefined;
  /** The payload of the latest ping not answered yet: its pong waits for the buffer (see {@link pong}). */
  #ping: Buffer | undefined;
  /** The last pong written while it is still in the send buffer (undefined once the socket has taken it). */
  #pongInBuffer: object | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: ResolvedWsOptions,
    private readonly budget: SendBudget,
    private readonly owner: OutboxOwner,
    private readonly turn: () => Promise<unknown>,
  ) {
    this.#watch = new WriteWatch(options.drainTimeoutMs, () => owner.taken);
  }

  /** Whether the buffer is above the high-water mark, or a pong waits (batches wait, reading is paused). */
  get pressured(): boolean {
    return this.#pressed;
  }

  /**
   * Answers a ping, under the bounds every message meets. RFC 6455 §5.5.3: "If an endpoint receives
   * a Ping frame and has not yet sent Pong frame(s) in response to previous Ping frame(s), the
   * endpoint MAY elect to send a Pong frame for only the most recently processed Ping frame." So at
   * most one pong is in the send buffer: while one is, or while the buffer is above the high-water
   * mark, the latest ping waits (an earlier waiting one is dropped) and goes once that pong has been
   * handed to the socket and the buffer is below the mark. A pong that waits is pressure: reading
   * stops (no more pings arrive) and the write timeout runs, so a client that pings and never
   * reads is closed as any client that does not read. A pong counts in the send budget but does not
   * wait for room in it: one per connection at most, it is never worth cutting a connection for.
   */
  pong(data: Buffer): void {
    if (this.#stopped !== undefined || this.ws.readyState !== this.ws.OPEN) return;
    this.#ping = data;
    this.#sendPong();
  }

  /** Asks the client for a sign of life (the idle watch), through the same accounting as every frame. */
  ping(): void {
    if (this.#pressed) return;
    this.#put((done) => this.ws.ping(undefined, undefined, done));
  }

  /** Writes the waiting pong if it may go now; otherwise the connection is under pressure until it can. */
  #sendPong(): void {
    const data = this.#ping;
    if (data === undefined || this.#stopped !== undefined) return;
    if (this.#pongInBuffer !== undefined || this.#pressed) {
      this.#press();
      return;
    }
    this.#ping = undefined;
    const pong = {};
    this.#pongInBuffer = pong;
    const written = this.#put((done) =>
      this.ws.pong(data, false, () => {
        if (this.#pongInBuffer === pong) this.#pongInBuffer = undefined;
        done();
      }),
    );
    // Taken by the socket at once (nothing was waiting before it): it holds no room in the buffer.
    if (!written || this.ws.bufferedAmount === 0) this.#pongInBuffer = undefined;
  }

  /**
   * Sends one message at once (an error reply), unless the connection is closed or its client has
   * stopped reading; while another message is being sent in fragments, right after its last one.
   */
  send(message: ServerMessage): void {
    if (this.#stopped !== undefined || this.ws.readyState !== this.ws.OPEN) return;
    const bytes = Buffer.from(JSON.stringify(message));
    if (this.#held !== undefined) this.#held.push(bytes);
    else this.#write(bytes, true);
  }

  /**
   * Sends a result or a response once those before it have gone and the transport's
   * {@link SendBudget} has room for it: at once when it can (`undefined`), otherwise a promise that
   * settles once it is handed to the socket (its last fragment, for a large one), or rejects when
   * the connection closes first. A waiting message is held as it is, its JSON made when its turn comes.
   */
  deliver(message: ServerMessage): Promise<void> | undefined {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    if (this.#tail === undefined) return this.#queue(this.#deliverNow(message));
    const next = () => this.#deliverNow(message) ?? Promise.resolve();
    return this.#queue(this.#tail.then(next, next));
  }

  /** Makes `pending` the message the next one waits for (none once it settles, unless another queued behind it). */
  #queue(pending: Promise<void> | undefined): Promise<void> | undefined {
    if (pending === undefined) return undefined;
    this.#tail = pending;
    const done = () => {
      if (this.#tail === pending) this.#tail = undefined;
    };
    pending.then(done, done);
    return pending;
  }

  #deliverNow(message: ServerMessage): Promise<void> | undefined {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    // A message that waited behind a large one finds the buffer as that one left it: it waits for
    // the drain, as the connection's messages do (else several of them could pass maxBufferedBytes).
    const drained = this.drained();
    if (drained !== undefined) return drained.then(() => this.#deliverNow(message));
    const json = this.#json(message);
    if (typeof json !== 'string') return this.#fragmented(json);
    const bytes = Buffer.from(json);
    const room = this.budget.room(this.owner, bytes.length);
    if (room === undefined) {
      this.#write(bytes, true);
      return undefined;
    }
    return room.then(() => this.#write(bytes, true));
  }

  /** The JSON of `message`: its text, or the chunks of a large one (see {@link jsonWholeOrChunks}; a response's items lie three levels down). */
  #json(message: ServerMessage): string | AsyncGenerator<string> {
    try {
      return jsonWholeOrChunks(message, this.turn, 3);
    } catch {
      // A handler returned something JSON cannot carry; the client still learns its request failed.
      return JSON.stringify(errorMessage(message.id, 'INTERNAL', 'Internal server error'));
    }
  }

  /** Sends a large message as fragments; error replies due once its first one is out follow its last one. */
  async #fragmented(chunks: AsyncGenerator<string>): Promise<void> {
    try {
      await sendFragments(chunks, (bytes, fin) => this.#fragment(bytes, fin));
    } catch (error) {
      // Its first fragments are out: what JSON could not carry further (a toJSON that throws) cannot
      // be answered in the same message any more, and no other message may begin before it ends.
      if (this.#stopped === undefined) this.owner.close(CLOSE_INTERNAL_ERROR, 'Internal server error');
      throw error;
    } finally {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const bytes of held) this.#write(bytes, true);
    }
  }

  /** One fragment, once the buffer is below the high-water mark and the budget has room; rejects once the connection closes. */
  async #fragment(bytes: Buffer, fin: boolean): Promise<void> {
    await this.drained();
    await this.budget.room(this.owner, bytes.length);
    // From the first fragment on, the message is open: nothing else may be written until it ends.
    if (!fin) this.#held ??= [];
    if (this.#stopped === undefined) this.#write(bytes, fin);
    if (this.#stopped !== undefined) throw this.#stopped;
    if (this.ws.readyState !== this.ws.OPEN) throw new RestBatchError('ABORTED', 'The connection closed');
  }

  #write(bytes: Buffer, fin: boolean): void {
    this.#put((done) => this.ws.send(bytes, { binary: false, fin }, done));
  }

  /**
   * Every frame goes to ws here (`write` hands it over with the callback to call once the socket
   * has taken it): the hard cap is checked, the level reported to the budget, and a buffer left
   * above the high-water mark is pressure. Returns whether the frame was written.
   */
  #put(write: (done: () => void) => void): boolean {
    if (this.#stopped !== undefined || this.ws.readyState !== this.ws.OPEN) return false;
    // Checked before sending: a client that has not drained what it was sent gets nothing more,
    // so a stalled client holds at most maxBufferedBytes plus one message.
    if (this.ws.bufferedAmount >= this.options.maxBufferedBytes) {
      this.owner.close(CLOSE_NOT_READING, 'Send buffer full: the client is not reading');
      return false;
    }
    write(this.#flushed);
    const level = this.ws.bufferedAmount;
    this.budget.note(this.owner, level);
    if (this.#stopped === undefined && level > this.options.highWaterMark) this.#press();
    return true;
  }

  /** Under pressure: batches wait, reading stops, and the write timeout runs (once). */
  #press(): void {
    if (this.#pressed) return;
    this.#pressed = true;
    this.#watch.start(() => this.#stalled());
    this.owner.pressure(true);
  }

  /**
   * The write timeout: closed with 1008, or cut off at once while other connections' messages wait
   * for room in the send budget (its close frame would wait behind the bytes they wait for).
   */
  #stalled(): void {
    if (this.budget.crowded) this.owner.terminate();
    else this.owner.close(CLOSE_NOT_READING, 'The client is not reading: write timeout');
  }

  /** `undefined` when a batch may go on at once; otherwise a promise that settles once the buffer has drained. */
  drained(): Promise<void> | undefined {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    if (!this.#pressed) return undefined;
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The connection is closing: waiting batches are released with an `ABORTED` error. */
  stop(): void {
    this.#stopped ??= new RestBatchError('ABORTED', 'The connection closed');
    this.#watch.stop();
    this.#pressed = false;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#stopped);
    this.#held?.splice(0);
    this.#ping = undefined;
    this.budget.forget(this.owner);
  }

  #onFlushed(): void {
    if (this.#stopped !== undefined) return;
    const level = this.ws.bufferedAmount;
    this.budget.note(this.owner, level);
    if (!this.#pressed || level > this.options.highWaterMark) return;
    // Below the mark; a pong that waits for the one before it to leave the buffer keeps the pressure.
    if (this.#ping !== undefined && this.#pongInBuffer !== undefined) return;
    this.#watch.stop();
    this.#pressed = false;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.owner.pressure(false);
    this.#sendPong();
  }
}
