import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Longer than the write timeouts of the slow-reader tests (300 ms): a reader that pauses this long
 * between bursts shows its server no progress for that long, as a slow reader of a full socket
 * buffer does (the operating system reports its progress in bursts).
 */
export const PAUSE_MS = 500;

/** Reads `res` in bursts of 20 ms, pausing {@link PAUSE_MS} before each; resolves with what it read and whether the answer ended whole. */
export async function readInBursts(res: IncomingMessage): Promise<{ text: string; complete: boolean }> {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  res.pause();
  let ended = false;
  const end = new Promise<boolean>((resolve) => {
    res.once('end', () => resolve(true));
    res.once('close', () => resolve(res.complete));
    res.once('error', () => resolve(false));
  }).then((complete) => {
    ended = true;
    return complete;
  });
  while (!ended) {
    await sleep(PAUSE_MS);
    res.resume();
    await sleep(20);
    res.pause();
  }
  return { text, complete: await end };
}

/**
 * Reads one burst of `res` and stops: resolves, with the bytes of that first chunk, once it came;
 * paused at its first chunk, not after a sleep, which a loaded machine stretches until the whole
 * answer has been read.
 */
export function readFirstBurst(res: IncomingMessage): Promise<number> {
  res.on('error', () => undefined);
  return new Promise<number>((resolve) => {
    res.once('data', (chunk: Buffer) => {
      res.pause();
      resolve(chunk.length);
    });
  });
}

/** Reads a fetch body in bursts of about 2 MB, pausing {@link PAUSE_MS} after each. */
export async function pullInBursts(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    for (let burst = 0; burst < 2 * 1024 * 1024; ) {
      const next = await reader.read();
      if (next.done) return text + decoder.decode();
      burst += next.value.byteLength;
      text += decoder.decode(next.value, { stream: true });
    }
    await sleep(PAUSE_MS);
  }
}

/**
 * Reads a raw socket in bursts until `finished()`: 20 ms of reading, then a pause longer than the
 * write timeouts ({@link PAUSE_MS}), so that its server sees its progress only in bursts.
 */
export async function readSocketInBursts(socket: { pause(): unknown; resume(): unknown }, finished: () => boolean): Promise<void> {
  while (!finished()) {
    socket.pause();
    await sleep(PAUSE_MS);
    socket.resume();
    await sleep(20);
  }
}
