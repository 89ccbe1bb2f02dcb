import { WebSocket } from 'ws';

/**
 * The server's WebSocket class (ws's `WebSocket` option): it emits `closing` once the socket leaves
 * OPEN through a close handshake, whoever began it. ws emits `close` only when the TCP socket has
 * closed, which a peer that sent its close frame but keeps TCP open delays by up to ws's close
 * timeout (30 s); the close frame itself reaches no public event but this `close()` call.
 */
export class ClosingSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    const open = this.readyState === WebSocket.OPEN;
    super.close(code, data);
    if (open && this.readyState !== WebSocket.OPEN) this.emit('closing');
  }
}
