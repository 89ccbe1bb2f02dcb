import { readerStalled } from './http-options.js';
import { QueueProgress } from './queue-progress.js';

/** Bytes of an answer's chunks a stream holds before it waits for the reader's next pull. */
const QUEUE_BYTES = 64 * 1024;

/**
 * A large whole answer as a fetch body: its chunks (see `wholeOrChunks`) are made as the reader
 * pulls, at most {@link QUEUE_BYTES} ahead of it. A reader that falls behind (it pulled nothing
 * for `timeoutMs`, 0: no limit, and what it pulled before no longer carries it: see `WriteWatch`)
 * errors the stream, so the runtime drops the connection and the answer stops
 * holding memory: the fetch side of `writeTimeoutMs`, as the node handler destroys its socket.
 * The tail is bounded too: once the last chunk is made, the stream closes when the reader has
 * taken it all, and errors when it falls behind meanwhile (as the node handler's
 * `flushedWithin`). `done` runs once the chunks stop holding the answer's results: their last is
 * made, or the stream is cancelled or errored (the engine's `EngineRequest.written`).
 */
export function webChunkStream(
  chunks: AsyncGenerator<string>,
  timeoutMs: number,
  done: () => void = () => undefined,
): ReadableStream<Uint8Array> {
  const progress = new QueueProgress(timeoutMs, QUEUE_BYTES);
  const watch = progress.watch;
  // The last chunk is made: the stream closes once the reader took the queue.
  let ending = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const stalled = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    watch.start(() => {
      ending = false;
      controller.error(readerStalled(timeoutMs));
      finish();
      void chunks.return(undefined);
    });
  };
  const closeIfRead = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (controller.desiredSize !== QUEUE_BYTES) {
      stalled(controller);
      return;
    }
    ending = false;
    controller.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        watch.stop();
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
        progress.enqueue(controller, next.value);
        // The queue is full when the stream does not pull again at once: the reader has to take some.
        if ((controller.desiredSize ?? 0) <= 0) stalled(controller);
      },
      cancel() {
        watch.stop();
        ending = false;
        finish();
        void chunks.return(undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
}
