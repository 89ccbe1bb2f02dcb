/** What the budget needs of a connection: its send-buffer level and a way to drop it. */
export interface BufferHolder {
  /** Bytes waiting to be sent now. */
  readonly buffered: number;
  /** Destroys the connection at once, which is what frees its buffer (a close frame would wait behind it). */
  terminate(): void;
}

/**
 * The bytes waiting to be sent across all connections of one transport, bounded. Each connection
 * reports its level when it sends and when a write completes; the sum is an estimate that can
 * only run high (a buffer may have drained since its last report). Only when the estimate passes
 * the budget are the real levels read again; if they still pass it, the connections holding the
 * most are cut off until the rest fit. Cut off, not closed: a close frame would queue behind the
 * very bytes that have to go, and the client that holds them is the one not reading.
 */
export class SendBudget {
  readonly #held = new Map<BufferHolder, number>();
  #total = 0;

  constructor(private readonly max: number) {}

  /** Records the level of one connection, and enforces the budget when the sum passes it. */
  note(holder: BufferHolder, bytes: number): void {
    this.#set(holder, bytes);
    if (this.#total > this.max) this.#enforce();
  }

  /** Drops a closed connection from the sum. */
  forget(holder: BufferHolder): void {
    this.#set(holder, 0);
  }

  #set(holder: BufferHolder, bytes: number): void {
    this.#total += bytes - (this.#held.get(holder) ?? 0);
    if (bytes === 0) this.#held.delete(holder);
    else this.#held.set(holder, bytes);
  }

  #enforce(): void {
    for (const holder of [...this.#held.keys()]) this.#set(holder, holder.buffered);
    if (this.#total <= this.max) return;
    const largest = [...this.#held].sort((a, b) => b[1] - a[1]);
    for (const [holder] of largest) {
      if (this.#total <= this.max) break;
      this.forget(holder);
      holder.terminate();
    }
  }
}
