import { RestBatchError } from '@restbatch/core';
import type { WebSocket } from 'ws';
import { CLOSE_NOT_READING } from './close-codes.js';
import { errorMessage, type ServerMessage } from './protocol.js';
import type { BufferHolder, SendBudget } from './send-budget.js';
import type { ResolvedWsOptions } from './ws-options.js';

/** The connection behind an outbox: closed when its client does not read, told when to stop reading. */
export interface OutboxOwner extends BufferHolder {
  /** Closes the connection from the server side. */
  close(code: number, reason: string): void;
  /** Over the high-water mark (`true`): stop reading new messages; drained below it (`false`): read again. */
  pressure(on: boolean): void;
}

/**
 * The sending side of one connection, with backpressure. Above `highWaterMark` bytes waiting,
 * {@link drained} hands batches a promise, so a slow reader pauses them between sub-requests;
 * the promise settles when a completed write finds the buffer below the mark again, or rejects
 * when the connection closes. A buffer that stays above the mark for `drainTimeoutMs` (the
 * write timeout) closes the connection with 1008. Every level is reported to the transport's
 * {@link SendBudget}.
 */
export class Outbox {
  readonly #waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  readonly #flushed = () => this.#onFlushed();
  #stall: NodeJS.Timeout | undefined;
  #stopped: Error | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: ResolvedWsOptions,
    private readonly budget: SendBudget,
    private readonly owner: OutboxOwner,
  ) {}

  /** Whether the buffer is above the high-water mark (batches wait, reading is paused). */
  get pressured(): boolean {
    return this.#stall !== undefined;
  }

  /** Sends one message at once (an error reply), unless the connection is closed or its client has stopped reading. */
  send(message: ServerMessage): void {
    if (this.#stopped !== undefined || this.ws.readyState !== this.ws.OPEN) return;
    this.#write(this.#text(message));
  }

  /**
   * Sends a result or a response once the transport's {@link SendBudget} has room for it: at once
   * when it has (`undefined`), otherwise a promise that settles once it is sent, or rejects when
   * the connection closes first. It waits as text.
   */
  deliver(message: ServerMessage): Promise<void> | undefined {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    if (this.ws.readyState !== this.ws.OPEN) return undefined;
    const text = this.#text(message);
    const room = this.budget.room(this.owner, text.length);
    if (room === undefined) {
      this.#write(text);
      return undefined;
    }
    return room.then(() => this.#write(text));
  }

  #text(message: ServerMessage): string {
    try {
      return JSON.stringify(message);
    } catch {
      // A handler returned something JSON cannot carry; the client still learns its request failed.
      return JSON.stringify(errorMessage(message.id, 'INTERNAL', 'Internal server error'));
    }
  }

  #write(text: string): void {
    if (this.#stopped !== undefined || this.ws.readyState !== this.ws.OPEN) return;
    // Checked before sending: a client that has not drained what it was sent gets nothing more,
    // so a stalled client holds at most maxBufferedBytes plus one message.
    if (this.ws.bufferedAmount >= this.options.maxBufferedBytes) {
      this.owner.close(CLOSE_NOT_READING, 'Send buffer full: the client is not reading');
      return;
    }
    this.ws.send(text, this.#flushed);
    const level = this.ws.bufferedAmount;
    this.budget.note(this.owner, level);
    if (this.#stopped !== undefined || level <= this.options.highWaterMark || this.#stall !== undefined) return;
    this.#stall = setTimeout(() => this.#stalled(), this.options.drainTimeoutMs);
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
    if (this.#stall === undefined) return undefined;
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The connection is closing: waiting batches are released with an `ABORTED` error. */
  stop(): void {
    this.#stopped ??= new RestBatchError('ABORTED', 'The connection closed');
    clearTimeout(this.#stall);
    this.#stall = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#stopped);
    this.budget.forget(this.owner);
  }

  #onFlushed(): void {
    if (this.#stopped !== undefined) return;
    const level = this.ws.bufferedAmount;
    this.budget.note(this.owner, level);
    if (this.#stall === undefined || level > this.options.highWaterMark) return;
    clearTimeout(this.#stall);
    this.#stall = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.owner.pressure(false);
  }
}
