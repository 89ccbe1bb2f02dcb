/** The fields of a node `net.Socket` {@link bytesTaken} reads; any of them may be missing. */
interface SocketFields {
  _bytesDispatched?: unknown;
  _handle?: { writeQueueSize?: unknown } | null;
  bytesWritten?: unknown;
  writableLength?: unknown;
}

/**
 * Bytes of its writes the operating system has taken from `socket` (a node `net.Socket`), a count
 * that only grows: what the socket handed to libuv (`_bytesDispatched`) less what libuv has not
 * written yet (`writeQueueSize` of its handle). Both are private fields, read because nothing public
 * moves while a reader takes one large write: `bytesWritten` counts a write when it is made,
 * `writableLength` falls only once a whole write has gone. Where they are missing (another runtime,
 * a socket without a handle) the count is that of whole writes gone (`bytesWritten −
 * writableLength`); 0 for what is not a socket. Read by `WriteWatch`.
 */
export function bytesTaken(socket: unknown): number {
  if (typeof socket !== 'object' || socket === null) return 0;
  const fields = socket as SocketFields;
  const dispatched = fields._bytesDispatched;
  const queue = fields._handle?.writeQueueSize;
  if (typeof dispatched === 'number' && typeof queue === 'number') return dispatched - queue;
  const { bytesWritten, writableLength } = fields;
  if (typeof bytesWritten === 'number' && typeof writableLength === 'number') return bytesWritten - writableLength;
  return 0;
}
