/** The fields of a node `net.Socket` (a `tls.TLSSocket` too) {@link bytesTaken} reads; any of them may be missing. */
interface SocketFields {
  _bytesDispatched?: unknown;
  _handle?: StreamHandle | null;
  bytesWritten?: unknown;
  writableLength?: unknown;
}

/**
 * A node stream handle: libuv's TCP handle, or the TLSWrap of a `tls.TLSSocket`, whose `_parent` is
 * the handle it writes its encrypted records into.
 */
interface StreamHandle {
  /** Bytes handed to the handle so far. */
  bytesWritten?: unknown;
  /** libuv's: bytes not written to the kernel yet. A TLSWrap's: encrypted bytes of its write in progress, until it ends. */
  writeQueueSize?: unknown;
  _parent?: StreamHandle | null;
}

/**
 * Bytes of its writes the operating system has taken from `socket` (a node `net.Socket` or
 * `tls.TLSSocket`), a count that only grows: what the socket handed to libuv (`_bytesDispatched`)
 * less what libuv has not written yet (`writeQueueSize` of its handle). Both are private fields,
 * read because nothing public moves while a reader takes one large write: `bytesWritten` counts a
 * write when it is made, `writableLength` falls only once a whole write has gone.
 *
 * Over TLS those fields of the socket itself are no measure: its handle is a TLSWrap, whose
 * `writeQueueSize` holds the encrypted bytes of the write in progress until the last of them has
 * gone (flat while the reader takes a write of 8 MiB, then 0), and counts more bytes than
 * `_bytesDispatched`, which counts clear text, so their difference even falls when a write
 * begins. The count is then that of the TCP handle under the TLSWrap (its `_parent`): the bytes
 * handed to it (`bytesWritten`) less its `writeQueueSize`, so encrypted bytes, handshake and record
 * overhead included, moving with the reader as over plain TCP. Where they are missing
 * (another runtime, a socket without a handle) the count is that of whole writes gone
 * (`bytesWritten − writableLength`, clear text over TLS); 0 for what is not a socket. Read by
 * `WriteWatch`.
 */
export function bytesTaken(socket: unknown): number {
  if (typeof socket !== 'object' || socket === null) return 0;
  const fields = socket as SocketFields;
  const handle = fields._handle;
  const wire = wireHandle(handle);
  if (wire !== undefined) {
    const { bytesWritten, writeQueueSize } = wire;
    if (typeof bytesWritten === 'number' && typeof writeQueueSize === 'number') return bytesWritten - writeQueueSize;
  } else {
    const dispatched = fields._bytesDispatched;
    const queue = handle?.writeQueueSize;
    if (typeof dispatched === 'number' && typeof queue === 'number') return dispatched - queue;
  }
  const { bytesWritten, writableLength } = fields;
  if (typeof bytesWritten === 'number' && typeof writableLength === 'number') return bytesWritten - writableLength;
  return 0;
}

/**
 * Bytes libuv has not yet written to the kernel for `socket` (as {@link bytesTaken}: the
 * `writeQueueSize` of its TCP handle, under TLS of the handle beneath its TLSWrap, so encrypted
 * bytes), a number that falls while a reader takes even one large write; `undefined` where that
 * field is missing (another runtime, a socket without a handle, TLS over a stream that is not a
 * socket). Read by the WebSocket transport's send budget.
 */
export function bytesUnsent(socket: unknown): number | undefined {
  if (typeof socket !== 'object' || socket === null) return undefined;
  const handle = (socket as SocketFields)._handle;
  const queue = (wireHandle(handle) ?? handle)?.writeQueueSize;
  return typeof queue === 'number' ? queue : undefined;
}

/**
 * The handle that writes to the kernel under a TLS socket's `handle` (its TLSWrap's `_parent`, the
 * TCP handle; followed down for TLS inside TLS); `undefined` for a handle that is no TLSWrap.
 */
function wireHandle(handle: StreamHandle | null | undefined): StreamHandle | undefined {
  let under = handle?._parent;
  if (typeof under !== 'object' || under === null) return undefined;
  while (typeof under._parent === 'object' && under._parent !== null) under = under._parent;
  return under;
}
