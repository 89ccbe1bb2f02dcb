import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** A WebSocket client written by hand over TCP: it can send a close frame and keep the TCP socket open (a half-open peer). */
export class RawWsClient {
  #received = Buffer.alloc(0);
  /** Set by {@link readSlowly}: bytes are counted, and only the last few kept. */
  #counting = false;
  #count = 0;
  #reader: NodeJS.Timeout | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (!this.#counting) this.#received = Buffer.concat([this.#received, chunk]);
      else {
        this.#count += chunk.length;
        this.#received = Buffer.concat([this.#received, chunk]).subarray(-256);
      }
    });
    socket.on('close', () => clearInterval(this.#reader));
  }

  /**
   * From now on reads at most `bytes` every `everyMs` ms (a client that reads, slowly), counting
   * what it reads rather than keeping it (see {@link count}); {@link saw} then sees the last 256 bytes.
   */
  readSlowly(bytes: number, everyMs: number): void {
    this.#counting = true;
    this.#count = this.#received.length;
    this.socket.pause();
    this.#reader = setInterval(() => {
      const ready = Math.min(bytes, this.socket.readableLength);
      // read() in paused mode hands the chunk to the 'data' listener as well.
      if (ready > 0) this.socket.read(ready);
      else this.socket.read(0);
    }, everyMs);
  }

  /** Bytes read since {@link readSlowly} was called (all of them before). */
  get count(): number {
    return this.#counting ? this.#count : this.#received.length;
  }

  /**
   * Connects to `url` (`ws://host:port/path`, or `wss:` over TLS, not verifying the server's
   * certificate) with `allowHalfOpen` and completes the upgrade.
   */
  static async open(url: string): Promise<RawWsClient> {
    const { protocol, hostname, port, pathname } = new URL(url);
    const tls = protocol === 'wss:';
    const options = { host: hostname, port: Number(port), allowHalfOpen: true };
    const socket = tls ? connectTls({ ...options, rejectUnauthorized: false }) : connect(options);
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawWsClient(socket);
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const head = await client.#until((text) => text.includes('\r\n\r\n'));
    if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
    client.#received = client.#received.subarray(head.indexOf('\r\n\r\n') + 4);
    return client;
  }

  /** Sends a text frame. */
  sendText(text: string): void {
    this.socket.write(frame(0x1, Buffer.from(text)));
  }

  /** Sends a close frame with `code`, and keeps the TCP socket open. */
  sendClose(code = 1000): void {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.socket.write(frame(0x8, payload));
  }

  /** Whether the bytes received so far (as latin1 text) hold `text`. */
  saw(text: string): boolean {
    return this.#received.toString('latin1').includes(text);
  }

  destroy(): void {
    clearInterval(this.#reader);
    this.socket.destroy();
  }

  async #until(done: (text: string) => boolean): Promise<string> {
    for (let i = 0; i < 500; i++) {
      const text = this.#received.toString('latin1');
      if (done(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('timed out waiting for the server');
  }
}

/** A masked client frame. */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : length < 65536
        ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigLength(length)]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, masked]);
}

function bigLength(length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(length));
  return out;
}
