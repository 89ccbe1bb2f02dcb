import type { Writable } from 'node:stream';
import { clientGone, readerStalled } from './http-options.js';

/** What a write timeout cuts: the connection the answer goes out on. */
export interface Connection {
  destroy(): void;
}

/**
 * Resolves on `drain`, once `stream` can take more. Rejects with `ABORTED` when `stream` closes
 * first, or when the reader took nothing for `timeoutMs` (0: no limit): `connection` (default: the
 * stream itself) is then destroyed, so a client that stopped reading stops holding its batch, its
 * buffers and the results it counts against `limits.maxResultBytesInFlight`. A mount that writes
 * into a stream piped to the response (the Fastify plugin) waits on that stream and names the raw
 * response as the connection.
 */
export function drainedWithin(stream: Writable, timeoutMs: number, connection: Connection = stream): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error: Error | undefined) => {
      clearTimeout(timer);
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle(undefined);
    const onClose = () => settle(clientGone());
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            settle(readerStalled(timeoutMs));
            connection.destroy();
          }, timeoutMs)
        : undefined;
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}

/**
 * Destroys the connection of an answer whose last byte is not handed to the socket (`res`'s
 * `finish`) within `timeoutMs` (0: no limit): the end of a whole answer, or of a stream whose last
 * writes went into buffers a client that stopped reading never empties (see {@link drainedWithin}).
 */
export function flushedWithin(res: Writable, timeoutMs: number): void {
  if (timeoutMs <= 0 || res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), timeoutMs);
  const done = () => {
    clearTimeout(timer);
    res.off('finish', done);
    res.off('close', done);
  };
  res.on('finish', done);
  res.on('close', done);
}
