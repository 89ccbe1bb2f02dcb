import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadPlaygroundAssets } from './playground-assets.js';

/** Options of {@link createPlaygroundHandler}. */
export interface PlaygroundOptions {
  /** Where the page lives (default `/playground`); its files are served under it. */
  basePath?: string;
}

/** Answers a request for the page or one of its files and returns true, or returns false for any other request. */
export type PlaygroundHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * A `node:http` handler for the batch playground: `GET {basePath}` is the page, its scripts and
 * styles are under `{basePath}/`. Everything is read into memory when the handler is created;
 * requests for other paths are left to the caller (`handle(req, res) || next(req, res)`).
 */
export function createPlaygroundHandler(options: PlaygroundOptions = {}): PlaygroundHandler {
  const base = (options.basePath ?? '/playground').replace(/\/+$/, '');
  const { files, csp } = loadPlaygroundAssets(base);
  return (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0]!;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return true;
    }
    const file = files.get(path === `${base}/` ? base : path);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return true;
    }
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': csp,
      'referrer-policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
