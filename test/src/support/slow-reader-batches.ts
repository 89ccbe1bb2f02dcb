import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { ClientHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import * as assert from 'uvu/assert';
import { readFirstBurst, readInBursts, readSocketInBursts } from './burst-reader.js';
import { within } from './within.js';

/** Results of 8 MiB (the `Test/Big/{kib}` resource of wsTestEngine): each is one NDJSON line, one write. */
export const HUGE_KIB = 8 * 1024;

/** An Exago batch of a session and `count` results of {@link HUGE_KIB} KiB each. */
export function hugeBatch(count: number): string {
  return JSON.stringify([
    { Url: 'Sessions', Method: 'POST' },
    ...Array.from({ length: count }, () => ({ Url: `Test/Big/${HUGE_KIB}`, Method: 'GET' })),
  ]);
}

/** A server a slow-reader test posts batches to: `send` answers the response, its body not read yet. */
export interface BatchServer {
  send(accept: string, body: string): Promise<IncomingMessage>;
  close(): Promise<void>;
}

/** Posts `body` to `server` and reads the answer in bursts (then closes the server); the answer must come whole. */
export async function readWholeInBursts(server: BatchServer, accept: string, body: string): Promise<string> {
  try {
    const res = await server.send(accept, body);
    assert.is(res.statusCode, 200);
    const { text, complete } = await within(readInBursts(res), 'the answer read in bursts', 60_000);
    assert.ok(complete, `the answer ended whole (${text.length} characters read)`);
    return text;
  } finally {
    await server.close();
  }
}

/** The lines of an NDJSON answer; its last one, the summary, says `count` sub-requests (and the session) succeeded. */
export function ndjsonLinesOf(text: string, count: number): string[] {
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, count + 2);
  assert.equal(JSON.parse(lines.at(-1) as string), { summary: { succeeded: count + 1, failed: 0, skipped: 0 } });
  return lines;
}

/** A {@link BatchServer} that keeps the sockets it served. */
export interface WatchedBatchServer extends BatchServer {
  readonly served: readonly Socket[];
}

/**
 * Posts `body` to `server`, reads the first chunk of the answer and stops (then closes the server):
 * the server must cut the connection off (what it read carries it a while: at 16 KiB/s, at most 4
 * write timeouts), and the client then finds its answer cut off.
 */
export async function readOnceAndStop(server: WatchedBatchServer, accept: string, body: string): Promise<void> {
  try {
    await expectCutAfterOneBurst(await server.send(accept, body), server.served);
  } finally {
    await server.close();
  }
}

/** Reads one burst of `res` and stops; the server must cut the first of `served` off, and `res` ends cut off. */
export async function expectCutAfterOneBurst(res: IncomingMessage, served: readonly Socket[]): Promise<void> {
  const read = await within(readFirstBurst(res), 'the first burst');
  assert.ok(read > 0, 'it read a burst');
  const [socket] = served;
  if (socket === undefined) throw new Error('no connection served');
  if (!socket.destroyed) await within(once(socket, 'close'), 'the server cut the connection', 20_000);
  // Reading what the kernel still holds, the client finds the answer cut off.
  // (A reset may already have closed it while it was paused.)
  const closed: Promise<unknown> = res.socket.destroyed ? Promise.resolve() : once(res.socket, 'close');
  res.resume();
  await within(closed, 'the client saw the connection close');
  assert.is(res.complete, false, 'the answer was cut off, not finished');
}

/** Reads an HTTP/2 `stream` in bursts (pauses of PAUSE_MS, longer than the write timeout, between them) until `until()`, or its end: whether it ended whole. */
export async function readStreamInBursts(
  stream: ClientHttp2Stream,
  until: () => boolean = () => false,
): Promise<{ text: string; ended: boolean }> {
  let text = '';
  let ended = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  stream.once('end', () => {
    ended = true;
  });
  await readSocketInBursts(stream, () => ended || stream.closed || until());
  return { text, ended };
}
