import type { Writable } from 'node:stream';
import { clientGone } from './http-options.js';

/** The fields of a `node:http2` `Http2Stream` the HTTP/2 write watch reads. */
interface StreamFields {
  /** Bytes written to the stream and not yet sent on its session (node's `http2stream.bufferSize`). */
  readonly bufferSize?: unknown;
  readonly destroyed?: unknown;
  /** Whether it answers HEAD (node writes no body then). */
  readonly headRequest?: unknown;
  /** Resets the stream with an error code (RST_STREAM). */
  close?(code: number): void;
}

/** RFC 9113 §7: CANCEL (0x8), the stream is no longer needed (the reader fell behind: it is cut off). */
export const HTTP2_CANCEL = 0x8;
/** RFC 9113 §7: INTERNAL_ERROR (0x2), the server could not finish the answer. */
export const HTTP2_INTERNAL_ERROR = 0x2;

/**
 * Cuts an answer off mid-way: the connection is destroyed, and over HTTP/2 its stream is first
 * reset with `code` (RFC 9113 §7): `destroy()` alone resets it with NO_ERROR, which clients read as
 * the normal end of a complete answer. The reset is only queued (sent once the session's socket
 * takes a write, which a client that stopped reading the whole connection never lets happen), so
 * the stream is destroyed at once all the same: its batch and results are let go now, and the
 * reset keeps its code.
 */
export function cutOff(connection: { destroy(): void }, code: number): void {
  const stream = http2StreamOf(connection);
  if (stream !== undefined && typeof stream.close === 'function') stream.close(code);
  connection.destroy();
}

/** Whether `res` answers HEAD over HTTP/2: node ends such a stream with its headers, and a write to it never drains. */
export function headOverHttp2(res: unknown): boolean {
  return http2StreamOf(res)?.headRequest === true;
}

/**
 * Bytes of one HTTP/2 write: a larger chunk is written to an `Http2Stream` in pieces of this size,
 * each once the one before has gone (see {@link writeInPieces}); one DATA frame at nghttp2's
 * default frame size, and 1 s of reading at the minimum rate.
 */
export const HTTP2_PIECE_BYTES = 16 * 1024;

/**
 * The `Http2Stream` of a `node:http2` compatibility response (`Http2ServerResponse.stream`);
 * `undefined` for a node:http `ServerResponse`, which has none, or anything else.
 */
export function http2StreamOf(res: unknown): StreamFields | undefined {
  if (typeof res !== 'object' || res === null || !('stream' in res)) return undefined;
  const stream = (res as { stream?: unknown }).stream;
  if (typeof stream !== 'object' || stream === null || typeof (stream as StreamFields).bufferSize !== 'number') return undefined;
  return stream as StreamFields;
}

/**
 * Whether `res` can take no more: destroyed, or over HTTP/2 its stream is (an
 * `Http2ServerResponse` has no `destroyed` of its own, so a check of that alone never sees the
 * write timeout's cut, and a writer went on making the rest of the answer).
 */
export function responseGone(res: unknown): boolean {
  if (typeof res !== 'object' || res === null) return true;
  if ((res as { destroyed?: unknown }).destroyed === true) return true;
  return http2StreamOf(res)?.destroyed === true;
}

/**
 * The bytes of its writes an HTTP/2 stream has sent, a count that only grows: the falls of its
 * `bufferSize` (which a write raises and a sent write lowers), read when asked. Many streams share
 * one session and its socket, so the socket's count (core's `bytesTaken`) shows one stream's
 * progress for all: a stream whose reader stopped (its flow-control window shut, RFC 9113 §5.2)
 * was carried while another stream of the session was read. Read while its writer waits, when no
 * write raises `bufferSize`; a write falls only once all of it went, so the writers hand an
 * `Http2Stream` large chunks in pieces ({@link writeInPieces}).
 */
export function streamBytesSent(stream: StreamFields): () => number {
  let last = bufferSizeOf(stream);
  let sent = 0;
  return () => {
    const now = bufferSizeOf(stream);
    if (now < last) sent += last - now;
    last = now;
    return sent;
  };
}

function bufferSizeOf(stream: StreamFields): number {
  return typeof stream.bufferSize === 'number' ? stream.bufferSize : 0;
}

/**
 * Writes `chunk` to `res`: whole (as `res.write`, returning whether to go on) unless `res` is an
 * HTTP/2 response and `chunk` is over {@link HTTP2_PIECE_BYTES}; then in pieces, each after the
 * one before drained (`drained`, which rejects when the reader falls behind), so that the
 * stream's `bufferSize` falls as its reader takes the chunk ({@link streamBytesSent}). Resolves
 * with `true` once the last piece is written.
 */
export function writeInPieces(res: Writable, chunk: string | Buffer, drained: () => Promise<void>): boolean | Promise<boolean> {
  const stream = http2StreamOf(res);
  // HEAD: node wrote the headers and ended the stream; a write would never drain.
  if (stream?.headRequest === true) return true;
  if (stream === undefined || chunk.length <= HTTP2_PIECE_BYTES / 4) return res.write(chunk);
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  if (bytes.length <= HTTP2_PIECE_BYTES) return res.write(bytes);
  return (async () => {
    for (let at = 0; at < bytes.length; at += HTTP2_PIECE_BYTES) {
      if (responseGone(res)) throw clientGone();
      if (!res.write(bytes.subarray(at, at + HTTP2_PIECE_BYTES))) await drained();
    }
    return true;
  })();
}

/**
 * Ends `res` with `chunk`: at once (`res.end(chunk)`) unless `res` is an HTTP/2 response and
 * `chunk` may be over {@link HTTP2_PIECE_BYTES}; then written in pieces as {@link writeInPieces}
 * writes them, and ended, unless the stream went first (its reader fell behind and was cut off, or
 * left). Answers whether it ended the response (a promise when in pieces).
 */
export function endInPieces(res: Writable, chunk: string | Buffer, drained: () => Promise<void>): boolean | Promise<boolean> {
  const stream = http2StreamOf(res);
  if (stream === undefined || stream.headRequest === true || chunk.length <= HTTP2_PIECE_BYTES / 4) {
    res.end(chunk);
    return true;
  }
  return endStreamInPieces(res, chunk, drained);
}

async function endStreamInPieces(res: Writable, chunk: string | Buffer, drained: () => Promise<void>): Promise<boolean> {
  try {
    await writeInPieces(res, chunk, drained);
  } catch {
    return false;
  }
  if (responseGone(res)) return false;
  res.end();
  return true;
}
