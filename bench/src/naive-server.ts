// The naive reference server of issue 18, run as its own process: `node naive-server.js`.
// A hand-written node:http batch loop over the same handlers (the engine's own Exago resources and
// memory store), JSON.parse in, JSON.stringify out, no validation, no budgets, no streaming. It
// prints "listening on http://…" like the example server, so startServerProcess can run it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { benchEngine } from './bench-engine.js';
import { createNaiveBatch } from './floor.js';

const engine = benchEngine();
const runBatch = createNaiveBatch(engine);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? '/').split('?')[0] as string;
  if (req.method === 'POST' && path === '/rest/batch') return send(res, 200, await runBatch(JSON.parse(body)));
  if (req.method === 'DELETE' && path.startsWith('/rest/Sessions/')) {
    const ended = await engine.store.destroy(path.slice('/rest/Sessions/'.length));
    return send(res, ended ? 204 : 404, undefined);
  }
  send(res, 404, { error: 'not found' });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => send(res, 500, { error: 'failed' }));
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(`naive reference server listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
