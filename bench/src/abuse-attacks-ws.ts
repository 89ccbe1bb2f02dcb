// The abuse scenario's attacks over WebSocket (issue 10's second probe); bounded in time and
// connections, loopback only, every socket closed at the end.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { mb, sleep } from './abuse-client.js';
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

/**
 * A WebSocket connection opened by hand on a raw socket: the flood writes ready-made frames, 100 in
 * one write, so that the bench itself can keep up 80k messages/s.
 */
function openRaw(url: string): Promise<Socket> {
  const { port } = new URL(url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => {});
  socket.write(
    `GET /rest/ws HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
      `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`WebSocket upgrade refused: ${head.split('\r\n')[0]}`));
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('the connection closed during the upgrade')));
  });
}

/** A masked client text frame (RFC 6455) of a short message; the mask key is zero, so the payload stays as is. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('flood messages are short');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

const tinyFlood: Attack = {
  name: 'WS tiny-message flood',
  description: `${FLOOD_CONNECTIONS} connections sending ~80k messages/s for ${FLOOD_MS / 1000} s, half malformed ("x"), half tiny GETs`,
  limitMs: FLOOD_MS + 8000,
  bodyBytes: 50,
  run: async ({ url, signal }) => {
    const sockets = await Promise.all(Array.from({ length: FLOOD_CONNECTIONS }, () => openRaw(url)));
    let received = 0;
    let closedByServer = 0;
    for (const socket of sockets) {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      socket.on('close', () => {
        closedByServer++;
      });
    }
    const ticks: Buffer[] = [];
    for (let t = 0; t < 16; t++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < FLOOD_PER_TICK; i++) {
        const id = t * FLOOD_PER_TICK + i;
        frames.push(frame(i % 2 === 0 ? 'x' : `{"id":${id},"endpoint":"/rest/Sessions/none","method":"GET"}`));
      }
      ticks.push(Buffer.concat(frames));
    }
    let sent = 0;
    let heldBack = 0;
    let tick = 0;
    const started = performance.now();
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / FLOOD_TICK_MS);
      for (; tick < due; tick++) {
        for (const socket of sockets) {
          // The server is not reading: do not pile megabytes up in this process.
          if (socket.destroyed || socket.writableLength > 4 * 1024 * 1024) {
            heldBack += FLOOD_PER_TICK;
            continue;
          }
          socket.write(ticks[tick % ticks.length] as Buffer);
          sent += FLOOD_PER_TICK;
        }
      }
    }, FLOOD_TICK_MS);
    await sleep(FLOOD_MS, signal);
    clearInterval(timer);
    const seconds = (performance.now() - started) / 1000;
    const closed = closedByServer;
    for (const socket of sockets) socket.destroy();
    return {
      outcome: `${sent} messages in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s; ${heldBack} held back while the server did not read), ${mb(received)} of replies, ${closed} connections closed by the server`,
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
