import type { ServerResponse } from 'node:http';
import { clientGone } from './http-options.js';
import { endInPieces, responseGone, writeInPieces } from './http2-stream.js';
import { drainedWithin, flushedWithin, streamWriteWatch } from './write-timeout.js';

/** Characters of lines grouped into one write before it is made without waiting for the turn to end. */
const GROUP_CHARS = 16 * 1024;

/** NDJSON lines to a node:http response; see {@link nodeLineWriter}. */
export interface NodeLineWriter {
  /** Queues a line; a promise when the batch must wait for the reader (see {@link nodeLineWriter}). */
  write(line: string): Promise<void> | undefined;
  /**
   * Writes what is queued and the last line, once the reader took what it was waiting for; the
   * connection is destroyed when the reader does not take the tail within the write timeout.
   */
  end(line: string): Promise<void>;
}

/**
 * Writes NDJSON lines to `res` with backpressure. The lines ready in the same turn go out as one
 * write (one syscall, not one per line): a line waits at most until the event loop's turn ends
 * (`setImmediate`: a batch lets go of the loop at least once per interval), or until
 * {@link GROUP_CHARS} are queued. When the socket's buffer is full, `write` returns
 * a promise that resolves on `drain` (the executor pauses the batch meanwhile) and rejects when the
 * response closes or the client has not read for `timeoutMs` (the connection is then destroyed).
 * So a connection holds at most the socket's high-water mark plus one group of lines. The end is
 * bounded as a whole answer's is ({@link flushedWithin}): writes under the high-water mark wait for
 * no `drain`, so a reader that stops just before the end would otherwise hold the connection, its
 * buffered tail and the batch's results in flight for ever.
 */
export function nodeLineWriter(res: ServerResponse, timeoutMs: number): NodeLineWriter {
  let queued = '';
  let scheduled = false;
  let blocked: Promise<void> | undefined;
  // One write timeout for the whole stream: what the reader took in one wait carries it through the next.
  const watch = streamWriteWatch(res, timeoutMs);
  const flush = (): Promise<void> | undefined => {
    scheduled = false;
    if (blocked !== undefined || queued === '') return blocked;
    if (responseGone(res)) {
      queued = '';
      return Promise.reject(clientGone());
    }
    const chunk = queued;
    queued = '';
    const wrote = writeInPieces(res, chunk, () => drainedWithin(res, watch));
    if (wrote === true) return undefined;
    const waiting = (wrote === false ? drainedWithin(res, watch) : wrote).then(() => {
      blocked = undefined;
      return flush();
    });
    // Nobody may be waiting yet (the group was written at the end of a turn): the next line is.
    waiting.catch(() => undefined);
    blocked = waiting;
    return waiting;
  };
  const flushLater = () => {
    if (scheduled) flush()?.catch(() => undefined);
  };
  return {
    write(line) {
      if (responseGone(res)) return Promise.reject(clientGone());
      queued += line;
      if (blocked !== undefined) return blocked;
      if (queued.length >= GROUP_CHARS) return flush();
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushLater);
      }
      return undefined;
    },
    async end(line) {
      if (blocked !== undefined) {
        try {
          await blocked;
        } catch {
          return;
        }
      }
      scheduled = false;
      const chunk = queued + line;
      queued = '';
      if (responseGone(res)) return;
      // Over HTTP/2 a large tail goes in pieces too (its progress is the stream's own, see writeInPieces).
      if (await endInPieces(res, chunk, () => drainedWithin(res, watch))) flushedWithin(res, watch);
    },
  };
}
