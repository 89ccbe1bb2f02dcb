import { createServer, type Socket } from 'node:net';

/**
 * A stand-in for a Redis Sentinel that a test steers: it names one primary, knows no other
 * sentinel, can hold its answers to "where is the primary?" and can announce a failover
 * (`+switch-master`) to the clients subscribed to it, the moment the test chooses.
 */
export interface ScriptedSentinel {
  readonly port: number;
  /** Open connections subscribed to `+switch-master`. */
  readonly subscribers: number;
  /** Questions for the primary's address waiting for `release()`. */
  readonly held: number;
  /** From now on, questions for the primary's address wait for `release()`. */
  hold(): void;
  /** Answers the held questions, and the next ones at once. */
  release(): void;
  /** Publishes `+switch-master` to every subscriber. */
  announceSwitch(): void;
  close(): Promise<void>;
}

/** Starts a scripted sentinel on a free port that names `primaryPort` on 127.0.0.1 as the primary. */
export async function startScriptedSentinel(primaryPort: number): Promise<ScriptedSentinel> {
  const sockets = new Set<Socket>();
  const subscribed = new Set<Socket>();
  let held: Array<() => void> | undefined;
  const primary = array([bulk('127.0.0.1'), bulk(String(primaryPort))]);
  const server = createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('close', () => {
      sockets.delete(socket);
      subscribed.delete(socket);
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let parsed = parseCommand(buffer); parsed !== undefined; parsed = parseCommand(buffer)) {
        buffer = buffer.subarray(parsed.length);
        const [name, sub] = parsed.args.map((a) => a.toLowerCase());
        if (name === 'sentinel' && sub === 'get-master-addr-by-name') {
          const answer = () => socket.write(primary);
          if (held === undefined) answer();
          else held.push(answer);
        } else if (name === 'sentinel') {
          socket.write('*0\r\n');
        } else if (name === 'subscribe') {
          subscribed.add(socket);
          socket.write(array([bulk('subscribe'), bulk(parsed.args[1] ?? ''), ':1\r\n']));
        } else {
          socket.write('+OK\r\n');
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    get subscribers() {
      return subscribed.size;
    },
    get held() {
      return held?.length ?? 0;
    },
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const answer of waiting) answer();
    },
    announceSwitch() {
      const message = `mymaster 127.0.0.1 ${primaryPort} 127.0.0.1 ${primaryPort}`;
      for (const socket of subscribed) socket.write(array([bulk('message'), bulk('+switch-master'), bulk(message)]));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function bulk(value: string): string {
  return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
}

function array(items: string[]): string {
  return `*${items.length}\r\n${items.join('')}`;
}

/** The first whole command (an array of bulk strings, as clients send them) in `buffer`, if any. */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  let at = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const text = buffer.toString('utf8', at, end);
    at = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined) return undefined;
  if (!head.startsWith('*')) return { args: head.split(' ').filter((w) => w !== ''), length: at };
  const args: string[] = [];
  for (let i = 0; i < Number(head.slice(1)); i++) {
    const size = line();
    if (size === undefined) return undefined;
    const bytes = Number(size.slice(1));
    if (buffer.length < at + bytes + 2) return undefined;
    args.push(buffer.toString('utf8', at, at + bytes));
    at += bytes + 2;
  }
  return { args, length: at };
}
