import { clientGone, readerStalled } from './http-options.js';

/** Bytes a streamed fetch answer queues before the batch waits for the reader. */
const QUEUE_BYTES = 16 * 1024;

/** A pull-based NDJSON body for the fetch handler; see {@link webLineStream}. */
export interface WebLineStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Queues a line; a promise when the queue is full, settled as {@link nodeLineWriter}'s. */
  write(line: string): Promise<void> | undefined;
  /**
   * Queues the last line; the stream closes once the reader took the queue, and errors when it
   * took nothing for the write timeout (nothing once the reader is gone).
   */
  end(line: string): void;
}

const encoder = new TextEncoder();

/**
 * An NDJSON body with backpressure: at most {@link QUEUE_BYTES} plus one line wait in the queue.
 * When the queue is full, `write` returns a promise that resolves when the reader pulls again and
 * rejects when it cancels or has not read for `timeoutMs` (the stream then errors and `onGone` runs).
 * After the last line the stream closes only once the reader has taken the queue, and errors
 * when it has not pulled for `timeoutMs` (as the node handler bounds the end of its answers with
 * `flushedWithin`). `done` runs once: when the stream closes, is cancelled or errors, so that the
 * batch's results count in flight until then (the engine's `EngineRequest.written`).
 */
export function webLineStream(timeoutMs: number, onGone: () => void, done: () => void = () => undefined): WebLineStream {
  let sink!: ReadableStreamDefaultController<Uint8Array>;
  let gone = false;
  // The last line is queued: the stream closes once the reader took the queue.
  let ending = false;
  let tail: ReturnType<typeof setTimeout> | undefined;
  let finished = false;
  let waiting: { resolve: () => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  const finish = () => {
    clearTimeout(tail);
    if (finished) return;
    finished = true;
    done();
  };
  const settle = (error: Error | undefined) => {
    const w = waiting;
    waiting = undefined;
    if (w === undefined) return;
    clearTimeout(w.timer);
    if (error === undefined) w.resolve();
    else w.reject(error);
  };
  const closeIfRead = () => {
    if (!ending) return;
    clearTimeout(tail);
    if (sink.desiredSize !== QUEUE_BYTES) {
      if (timeoutMs > 0) {
        tail = setTimeout(() => {
          ending = false;
          sink.error(readerStalled(timeoutMs));
          finish();
        }, timeoutMs);
      }
      return;
    }
    ending = false;
    sink.close();
    finish();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        sink = c;
      },
      pull() {
        settle(undefined);
        closeIfRead();
      },
      cancel() {
        gone = true;
        ending = false;
        settle(clientGone());
        onGone();
        finish();
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
                finish();
              }, timeoutMs)
            : undefined;
        waiting = { resolve, reject, timer };
      });
    },
    end(line) {
      if (gone) return;
      gone = true;
      ending = true;
      sink.enqueue(encoder.encode(line));
      closeIfRead();
    },
  };
}
