import { clientGone, readerStalled } from './http-options.js';

/** Bytes a streamed fetch answer queues before the batch waits for the reader. */
const QUEUE_BYTES = 16 * 1024;

/** A pull-based NDJSON body for the fetch handler; see {@link webLineStream}. */
export interface WebLineStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Queues a line; a promise when the queue is full, settled as {@link nodeLineWriter}'s. */
  write(line: string): Promise<void> | undefined;
  /** Queues the last line and closes the stream (nothing once the reader is gone). */
  end(line: string): void;
}

const encoder = new TextEncoder();

/**
 * An NDJSON body with backpressure: at most {@link QUEUE_BYTES} plus one line wait in the queue.
 * When the queue is full, `write` returns a promise that resolves when the reader pulls again and
 * rejects when it cancels or has not read for `timeoutMs` (the stream then errors and `onGone` runs).
 */
export function webLineStream(timeoutMs: number, onGone: () => void): WebLineStream {
  let sink!: ReadableStreamDefaultController<Uint8Array>;
  let gone = false;
  let waiting: { resolve: () => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  const settle = (error: Error | undefined) => {
    const w = waiting;
    waiting = undefined;
    if (w === undefined) return;
    clearTimeout(w.timer);
    if (error === undefined) w.resolve();
    else w.reject(error);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        sink = c;
      },
      pull() {
        settle(undefined);
      },
      cancel() {
        gone = true;
        settle(clientGone());
        onGone();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
  return {
    stream,
    write(line) {
      if (gone) return Promise.reject(clientGone());
      sink.enqueue(encoder.encode(line));
      if ((sink.desiredSize ?? 0) > 0) return undefined;
      return new Promise<void>((resolve, reject) => {
        const timer =
          timeoutMs > 0
            ? setTimeout(() => {
                const error = readerStalled(timeoutMs);
                gone = true;
                settle(error);
                sink.error(error);
                onGone();
              }, timeoutMs)
            : undefined;
        waiting = { resolve, reject, timer };
      });
    },
    end(line) {
      if (gone) return;
      gone = true;
      sink.enqueue(encoder.encode(line));
      sink.close();
    },
  };
}
