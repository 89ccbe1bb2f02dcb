import { readerStalled } from './http-options.js';

/** Bytes of an answer's chunks a stream holds before it waits for the reader's next pull. */
const QUEUE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/**
 * A large whole answer as a fetch body: its chunks (see `wholeOrChunks`) are made as the reader
 * pulls, at most {@link QUEUE_BYTES} ahead of it. A reader that has not pulled for `timeoutMs`
 * (0: no limit) errors the stream, so the runtime drops the connection and the answer stops
 * holding memory: the fetch side of `writeTimeoutMs`, as the node handler destroys its socket.
 * The tail is bounded too: once the last chunk is made, the stream closes when the reader has
 * taken it all, and errors when it has not within `timeoutMs` (as the node handler's
 * `flushedWithin`). `done` runs once the chunks stop holding the answer's results: their last is
 * made, or the stream is cancelled or errored (the engine's `EngineRequest.written`).
 */
export function webChunkStream(
  chunks: AsyncGenerator<string>,
  timeoutMs: number,
  done: () => void = () => undefined,
): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The last chunk is made: the stream closes once the reader took the queue.
  let ending = false;
  let finished = false;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const stalled = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    timer = setTimeout(() => {
      timer = undefined;
      ending = false;
      controller.error(readerStalled(timeoutMs));
      finish();
      void chunks.return(undefined);
    }, timeoutMs);
  };
  const closeIfRead = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (controller.desiredSize !== QUEUE_BYTES) {
      if (timeoutMs > 0) stalled(controller);
      return;
    }
    ending = false;
    controller.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        stop();
        if (ending) {
          closeIfRead(controller);
          return;
        }
        let next: IteratorResult<string>;
        try {
          next = await chunks.next();
        } catch (error) {
          // The JSON could not be made (a value's toJSON threw): the stream errors with it.
          finish();
          throw error;
        }
        if (next.done === true) {
          finish();
          ending = true;
          closeIfRead(controller);
          return;
        }
        controller.enqueue(encoder.encode(next.value));
        // The queue is full when the stream does not pull again at once: the reader has to take some.
        if (timeoutMs > 0 && (controller.desiredSize ?? 0) <= 0) stalled(controller);
      },
      cancel() {
        stop();
        ending = false;
        finish();
        void chunks.return(undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
}
