import type { IncomingMessage } from 'node:http';
import * as assert from 'uvu/assert';
import { readInBursts } from './burst-reader.js';
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
