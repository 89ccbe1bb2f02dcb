// The abuse scenario's attacks over WebSocket (issue 10's second probe); bounded in time and
// connections, loopback only, every socket closed at the end.
import WebSocket from 'ws';
import { sleep } from './abuse-client.js';
import { bigReadsBatch } from './abuse-payloads.js';
import type { Attack } from './abuse-types.js';

function open(url: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/rest/ws`, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

const FLOOD_CONNECTIONS = 4;
const FLOOD_MS = 4000;
const FLOOD_TICK_MS = 5;
/** Per connection per tick: 4 connections × 100 × 200 ticks/s = 80k messages/s. */
const FLOOD_PER_TICK = 100;

const tinyFlood: Attack = {
  name: 'WS tiny-message flood',
  description: `${FLOOD_CONNECTIONS} connections sending ~80k messages/s for ${FLOOD_MS / 1000} s, half malformed ("x"), half tiny GETs`,
  limitMs: FLOOD_MS + 8000,
  bodyBytes: 50,
  run: async ({ url, signal }) => {
    const sockets = await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, () => open(url)));
    let replies = 0;
    let closedByServer = 0;
    for (const socket of sockets) {
      socket.on('message', () => {
        replies++;
      });
      socket.on('close', () => {
        closedByServer++;
      });
      socket.on('error', () => {});
    }
    let sent = 0;
    let skipped = 0;
    const started = performance.now();
    const timer = setInterval(() => {
      for (const socket of sockets) {
        if (socket.readyState !== WebSocket.OPEN) continue;
        // The server is not reading: do not pile megabytes up in this process.
        if (socket.bufferedAmount > 4 * 1024 * 1024) {
          skipped += FLOOD_PER_TICK;
          continue;
        }
        for (let i = 0; i < FLOOD_PER_TICK; i++, sent++) {
          socket.send(sent % 2 === 0 ? 'x' : `{"id":${sent},"endpoint":"/rest/Sessions/none","method":"GET"}`);
        }
      }
    }, FLOOD_TICK_MS);
    await sleep(FLOOD_MS, signal);
    clearInterval(timer);
    const seconds = (performance.now() - started) / 1000;
    const closed = closedByServer;
    for (const socket of sockets) socket.terminate();
    return {
      outcome: `${sent} messages in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s; ${skipped} held back while the server did not read), ${replies} replies, ${closed} connections closed by the server`,
    };
  },
};

const NO_READ_CONNECTIONS = 100;
const NO_READ_MS = 12_000;

const bigNoRead: Attack = {
  name: 'WS 100 clients never read',
  description: `${NO_READ_CONNECTIONS} connections each sending 2 batches of ≈20 MB of results (the 64 KiB parameter read 300 times), never reading, for ${NO_READ_MS / 1000} s`,
  limitMs: NO_READ_MS + 8000,
  bodyBytes: Buffer.byteLength(bigReadsBatch(300)),
  run: async ({ url, signal }) => {
    const batch = bigReadsBatch(300);
    const started = performance.now();
    const sockets: WebSocket[] = [];
    let refused = '';
    try {
      for (let i = 0; i < NO_READ_CONNECTIONS && !signal.aborted; i++) {
        const socket = await open(url).catch((error: NodeJS.ErrnoException) => {
          refused = `; connection ${i + 1} failed: ${error.code ?? error.message}`;
        });
        if (socket === undefined) break;
        socket.on('error', () => {});
        sockets.push(socket);
        for (const id of [1, 2]) socket.send(`{"id":${id},"endpoint":"/rest/batch","body":${batch}}`);
        // Stop reading from the TCP socket: the server's answers pile up in its buffers.
        socket.pause();
      }
      await sleep(Math.max(0, NO_READ_MS - (performance.now() - started)), signal);
    } finally {
      for (const socket of sockets) socket.terminate();
    }
    return { outcome: `${sockets.length} connections sent ${2 * sockets.length} batches and read nothing${refused}` };
  },
};

/** The WebSocket attacks, in the order they run. */
export function wsAttacks(): Attack[] {
  return [tinyFlood, bigNoRead];
}
