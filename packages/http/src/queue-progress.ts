import { WriteWatch } from '@restbatch/core';

const encoder = new TextEncoder();

/**
 * The write timeout of a fetch body whose queue holds at most `queueBytes` (a byte-length queuing
 * strategy): progress is what the reader pulled out of the queue, the bytes enqueued less those
 * still waiting in it. One for the whole answer, so that what the reader pulled in one wait
 * carries it through the next (see `WriteWatch`).
 */
export class QueueProgress {
  /** The watch that reads this progress: started while the writer waits for the reader. */
  readonly watch: WriteWatch;
  #enqueued = 0;
  #queue: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(
    timeoutMs: number,
    private readonly queueBytes: number,
  ) {
    this.watch = new WriteWatch(timeoutMs, () => this.#pulled());
  }

  /** Queues `text` as UTF-8 bytes into `queue`, counting them. */
  enqueue(queue: ReadableStreamDefaultController<Uint8Array>, text: string): void {
    this.#queue = queue;
    const bytes = encoder.encode(text);
    queue.enqueue(bytes);
    this.#enqueued += bytes.byteLength;
  }

  /** Bytes the reader has pulled so far (an errored queue, whose size is unknown, counts as empty). */
  #pulled(): number {
    return this.#enqueued - (this.queueBytes - (this.#queue?.desiredSize ?? this.queueBytes));
  }
}
