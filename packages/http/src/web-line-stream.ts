import { clientGone, readerStalled } from './http-options.js';
import { QueueProgress } from './queue-progress.js';

/** Bytes a streamed fetch answer queues before the batch waits for the reader. */
const QUEUE_BYTES = 16 * 1024;

/** A pull-based NDJSON body for the fetch handler; see {@link webLineStream}. */
export interface WebLineStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Queues a line; a promise when the queue is full, settled as {@link nodeLineWriter}'s. */
  write(line: string): Promise<void> | undefined;
  /**
   * Queues the last line; the stream closes once the reader took the queue, and errors when it
   * falls behind (nothing once the reader is gone).
   */
  end(line: string): void;
}

/**
 * An NDJSON body with backpressure: at most {@link QUEUE_BYTES} plus one line wait in the queue.
 * When the queue is full, `write` returns a promise that resolves when the reader pulls again and
 * rejects when it cancels or falls behind: it pulled nothing for `timeoutMs`, and what it pulled
 * before no longer carries it (see `WriteWatch`); the stream then errors and `onGone` runs.
 * After the last line the stream closes only once the reader has taken the queue, and errors
 * when it falls behind meanwhile (as the node handler bounds the end of its answers with
 * `flushedWithin`). `done` runs once: when the stream closes, is cancelled or errors, so that the
 * batch's results count in flight until then (the engine's `EngineRequest.written`).
 */
export function webLineStream(timeoutMs: number, onGone: () => void, done: () => void = () => undefined): WebLineStream {
  let sink!: ReadableStreamDefaultController<Uint8Array>;
  const progress = new QueueProgress(timeoutMs, QUEUE_BYTES);
  const watch = progress.watch;
  let gone = false;
  // The last line is queued: the stream closes once the reader took the queue.
  let ending = false;
  let finished = false;
  let waiting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const finish = () => {
    watch.stop();
    if (finished) return;
    finished = true;
    done();
  };
  const settle = (error: Error | undefined) => {
    const w = waiting;
    waiting = undefined;
    if (w === undefined) return;
    watch.stop();
    if (error === undefined) w.resolve();
    else w.reject(error);
  };
  const enqueue = (line: string) => progress.enqueue(sink, line);
  const closeIfRead = () => {
    if (!ending) return;
    if (sink.desiredSize !== QUEUE_BYTES) {
      watch.start(() => {
        ending = false;
        sink.error(readerStalled(timeoutMs));
        finish();
      });
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
      enqueue(line);
      if ((sink.desiredSize ?? 0) > 0) return undefined;
      return new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
        watch.start(() => {
          const error = readerStalled(timeoutMs);
          gone = true;
          settle(error);
          sink.error(error);
          onGone();
          finish();
        });
      });
    },
    end(line) {
      if (gone) return;
      gone = true;
      ending = true;
      enqueue(line);
      closeIfRead();
    },
  };
}
