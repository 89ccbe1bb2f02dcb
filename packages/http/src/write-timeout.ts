import type { Writable } from 'node:stream';
import { bytesTaken, WriteWatch } from '@restbatch/core';
import { clientGone, readerStalled } from './http-options.js';
import { cutOff, HTTP2_CANCEL, http2StreamOf, streamBytesSent } from './http2-stream.js';

/** What a write timeout cuts: the connection the answer goes out on (its `socket` tells the reader's progress). */
export interface Connection {
  destroy(): void;
  /** The TCP socket under the connection (a node `ServerResponse`'s); without one the timeout sees no progress. */
  readonly socket?: unknown;
}

/**
 * The write timeout of one answer on `connection` (a node `ServerResponse`, or its socket): a
 * {@link WriteWatch} of the bytes its socket has taken. One per answer, handed to each of its
 * waits ({@link drainedWithin}, then {@link flushedWithin}), so that what the reader took in one
 * wait carries it through the next at the minimum rate. Over HTTP/2 (`node:http2`'s compatibility
 * API) the socket is the session's, shared by all its streams: a stream whose reader stopped is
 * carried while another of the session is read (the node handler's own writes are judged per stream
 * instead, see {@link streamWriteWatch}).
 */
export function writeWatch(connection: Connection, timeoutMs: number): WriteWatch {
  const socket = connection.socket ?? connection;
  return new WriteWatch(timeoutMs, () => bytesTaken(socket));
}

/**
 * The write timeout of an answer the node handler writes itself: over HTTP/2 a {@link WriteWatch}
 * of what the response's own stream has sent (its writers hand the stream large chunks in pieces,
 * see writeInPieces, so its progress shows inside a large line); otherwise {@link writeWatch}'s.
 * Not for a writer that pipes into the response (the Fastify mount): node hands a stream what was
 * piped into it in one write, whose progress shows only once all of it went.
 */
export function streamWriteWatch(res: Connection, timeoutMs: number): WriteWatch {
  const stream = http2StreamOf(res);
  return stream === undefined ? writeWatch(res, timeoutMs) : new WriteWatch(timeoutMs, streamBytesSent(stream));
}

/**
 * Resolves on `drain`, once `stream` can take more. Rejects with `ABORTED` when `stream` closes
 * first, or when the reader has fallen behind: its socket took nothing for the write timeout
 * (`timeout`: a number of ms, 0 for no limit, or the answer's {@link writeWatch}, whose rule this
 * is). `connection` (default: the stream itself) is then destroyed, so a client that stopped reading
 * stops holding its batch, its buffers and the results it counts against
 * `limits.maxResultBytesInFlight`. A mount that writes into a stream piped to the response (the
 * Fastify plugin) waits on that stream and names the raw response as the connection.
 */
export function drainedWithin(stream: Writable, timeout: number | WriteWatch, connection: Connection = stream): Promise<void> {
  const watch = typeof timeout === 'number' ? writeWatch(connection, timeout) : timeout;
  return new Promise<void>((resolve, reject) => {
    const settle = (error: Error | undefined) => {
      watch.stop();
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle(undefined);
    const onClose = () => settle(clientGone());
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    watch.start(() => {
      settle(readerStalled(watch.timeoutMs));
      cutOff(connection, HTTP2_CANCEL);
    });
  });
}

/**
 * Destroys the connection of an answer whose last byte is not handed to the socket (`res`'s
 * `finish`) before the reader falls behind (`timeout` as in {@link drainedWithin}): the end of a
 * whole answer, or of a stream whose last writes went into buffers a client that stopped reading
 * never empties.
 */
export function flushedWithin(res: Writable & Connection, timeout: number | WriteWatch): void {
  if (res.writableFinished) return;
  const watch = typeof timeout === 'number' ? writeWatch(res, timeout) : timeout;
  if (watch.timeoutMs <= 0) return;
  const done = () => {
    watch.stop();
    res.off('finish', done);
    res.off('close', done);
  };
  res.on('finish', done);
  res.on('close', done);
  watch.start(() => {
    done();
    cutOff(res, HTTP2_CANCEL);
  });
}
