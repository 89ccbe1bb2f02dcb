import type { ServerResponse } from 'node:http';
import { clientGone, readerStalled } from './http-options.js';

/**
 * Writes NDJSON lines to `res` with backpressure: when the socket's buffer is full, the returned
 * promise resolves on `drain` (the executor pauses the batch meanwhile) and rejects when the
 * response closes or the client has not read for `timeoutMs` (the connection is then destroyed).
 * So a connection holds at most the socket's high-water mark plus one line.
 */
export function nodeLineWriter(res: ServerResponse, timeoutMs: number): (line: string) => Promise<void> | undefined {
  return (line) => {
    if (res.destroyed) return Promise.reject(clientGone());
    if (res.write(line)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const settle = (error: Error | undefined) => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        res.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = () => settle(undefined);
      const onClose = () => settle(clientGone());
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              settle(readerStalled(timeoutMs));
              res.destroy();
            }, timeoutMs)
          : undefined;
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
  };
}
