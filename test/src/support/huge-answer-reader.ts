import { RawWsClient } from './raw-ws-client.js';

/** A raw WebSocket client reading one huge answer, and what became of it. */
export interface HugeAnswerReader {
  client: RawWsClient;
  /** Whether it has the whole answer. */
  done: () => boolean;
  /** Whether the server ended the connection. */
  cut: () => boolean;
}

/**
 * A raw client of `url` (ws: or wss:) that reads steadily but slowly (about 5 MB/s at most) and asks
 * for one message of `kib` KiB (the WS test engine's `Test/Big/{kib}`): the reader a send budget or a
 * write timeout must not cut off while it reads.
 */
export async function slowReaderOfHugeAnswer(url: string, kib: number): Promise<HugeAnswerReader> {
  const client = await RawWsClient.open(url);
  let cut = false;
  // Half-open: a cut connection ends (the server's FIN, after what was sent) but does not close by itself.
  for (const event of ['end', 'close']) {
    client.socket.on(event, () => {
      cut = true;
    });
  }
  client.readSlowly(50_000, 10);
  client.sendText(JSON.stringify({ id: 'huge', endpoint: `/rest/Test/Big/${kib}`, method: 'GET' }));
  // The response message ends with its body, `{"data":"xxx…"}`, and the message's closing brace
  // (in a fragment of their own: the message comes in fragments, a frame head between them).
  const done = () => client.count >= kib * 1024 && client.saw('}}');
  return { client, done, cut: () => cut };
}
