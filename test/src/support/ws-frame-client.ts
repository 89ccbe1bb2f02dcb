import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One frame as it came from the server (RFC 6455 §5.2): its FIN bit, opcode and payload. */
export interface Frame {
  fin: boolean;
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  payload: Buffer;
}

/** A whole message as the client sees it once its frames are joined, with the frames it came in. */
export interface FramedMessage {
  text: string;
  frames: Frame[];
  /** Index in {@link WsFrameClient.frames} of its first frame. */
  first: number;
}

/**
 * A WebSocket client written by hand over TCP that keeps every frame the server sent (standard
 * clients join fragments and show only whole messages), for a test that checks how a message was
 * framed. Reads as fast as the socket allows unless paused.
 */
export class WsFrameClient {
  readonly frames: Frame[] = [];
  readonly messages: FramedMessage[] = [];
  #chunks: Buffer[] = [];
  #buffered = 0;
  #open: FramedMessage | undefined;
  #waiters: Array<() => void> = [];
  /** Called with each frame as it is read (before waiters wake). */
  onFrame: ((frame: Frame) => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#parse();
    });
  }

  static async open(url: string): Promise<WsFrameClient> {
    const { hostname, port, pathname } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let head = Buffer.alloc(0);
    while (!head.includes('\r\n\r\n')) {
      const chunk = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      head = Buffer.concat([head, chunk]);
    }
    const end = head.indexOf('\r\n\r\n') + 4;
    if (!head.toString('latin1', 0, end).startsWith('HTTP/1.1 101')) throw new Error('upgrade refused');
    const client = new WsFrameClient(socket);
    if (end < head.length) socket.emit('data', head.subarray(end));
    return client;
  }

  /** Sends `message` (JSON of an object, or a string as it is) as one masked text frame. */
  send(message: unknown): void {
    const payload = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message));
    const mask = randomBytes(4);
    const length = payload.length;
    const head =
      length < 126
        ? Buffer.from([0x81, 0x80 | length])
        : length < 65536
          ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
          : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigLength(length)]);
    for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    this.socket.write(Buffer.concat([head, mask, payload]));
  }

  /** Resolves with the first whole message (received or future) whose text matches. */
  async message(match: (text: string) => boolean): Promise<FramedMessage> {
    for (;;) {
      const found = this.messages.find((m) => match(m.text));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves once a frame (or message) that matches has been read. */
  async frame(match: (frame: Frame) => boolean): Promise<Frame> {
    for (;;) {
      const found = this.frames.find(match);
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    this.#chunks = n < all.length ? [all.subarray(n)] : [];
    this.#buffered -= n;
    return all.subarray(0, n);
  }

  #peek(n: number): Buffer {
    if ((this.#chunks[0]?.length ?? 0) < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] as Buffer;
  }

  #parse(): void {
    for (;;) {
      if (this.#buffered < 2) break;
      const head = this.#peek(Math.min(this.#buffered, 14));
      const len7 = (head[1] as number) & 0x7f;
      const headLength = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      if (this.#buffered < headLength) break;
      const length = len7 === 126 ? head.readUInt16BE(2) : len7 === 127 ? Number(head.readBigUInt64BE(2)) : len7;
      if (this.#buffered < headLength + length) break;
      const bytes = this.#take(headLength + length);
      const frame: Frame = {
        fin: ((bytes[0] as number) & 0x80) !== 0,
        opcode: (bytes[0] as number) & 0x0f,
        payload: bytes.subarray(headLength),
      };
      this.frames.push(frame);
      this.onFrame?.(frame);
      if (frame.opcode === 1 || frame.opcode === 2) this.#open = { text: '', frames: [], first: this.frames.length - 1 };
      if (frame.opcode <= 2 && this.#open !== undefined) {
        this.#open.frames.push(frame);
        if (frame.fin) {
          const message = this.#open;
          message.text = Buffer.concat(message.frames.map((f) => f.payload)).toString('utf8');
          this.messages.push(message);
          this.#open = undefined;
        }
      }
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

function bigLength(length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(length));
  return out;
}
