import { readerStalled } from './http-options.js';

/** Bytes of an answer's chunks a stream holds before it waits for the reader's next pull. */
const QUEUE_BYTES = 64 * 1024;

const encoder = new TextEncoder();

/**
 * A large whole answer as a fetch body: its chunks (see `wholeOrChunks`) are made as the reader
 * pulls, at most {@link QUEUE_BYTES} ahead of it. A reader that has not pulled for `timeoutMs`
 * (0: no limit) errors the stream, so the runtime drops the connection and the answer stops
 * holding memory: the fetch side of `writeTimeoutMs`, as the node handler destroys its socket.
 */
export function webChunkStream(chunks: AsyncGenerator<string>, timeoutMs: number): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        stop();
        const next = await chunks.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(next.value));
        // The queue is full when the stream does not pull again at once: the reader has to take some.
        if (timeoutMs > 0 && (controller.desiredSize ?? 0) <= 0) {
          timer = setTimeout(() => {
            timer = undefined;
            controller.error(readerStalled(timeoutMs));
            void chunks.return(undefined);
          }, timeoutMs);
        }
      },
      cancel() {
        stop();
        void chunks.return(undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: QUEUE_BYTES }),
  );
}
