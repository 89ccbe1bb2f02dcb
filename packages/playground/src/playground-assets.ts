import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the page, held in memory. */
export interface PlaygroundAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The page's files by URL path, and the Content-Security-Policy that allows exactly them. */
export interface PlaygroundAssets {
  readonly files: ReadonlyMap<string, PlaygroundAsset>;
  readonly csp: string;
}

const JS = 'text/javascript; charset=utf-8';
const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Reads the page into memory once: the HTML and CSS of `assets/`, the page's modules compiled from
 * `browser/`, and the client's own ES modules (the main entry, which imports no Node built-in),
 * which the page's import map names `@restbatch/client`. Nothing is fetched from anywhere else.
 */
export function loadPlaygroundAssets(base: string): PlaygroundAssets {
  const files = new Map<string, PlaygroundAsset>();
  const clientDist = join(dirname(createRequire(import.meta.url).resolve('@restbatch/client/package.json')), 'dist');
  addModules(files, `${base}/client/`, clientDist);
  addModules(files, `${base}/app/`, join(HERE, 'browser'));
  const html = readFileSync(join(HERE, '../assets/playground.html'), 'utf8').replaceAll('{{base}}', base);
  // The import map is the page's one inline script: the policy allows it by its hash.
  const importMap = /<script type="importmap">([^<]*)<\/script>/.exec(html)?.[1] ?? '';
  files.set(base, { contentType: 'text/html; charset=utf-8', body: Buffer.from(html) });
  files.set(`${base}/playground.css`, {
    contentType: 'text/css; charset=utf-8',
    body: readFileSync(join(HERE, '../assets/playground.css')),
  });
  files.set(`${base}/favicon.svg`, { contentType: 'image/svg+xml', body: readFileSync(join(HERE, '../assets/favicon.svg')) });
  const mapHash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${mapHash}'`,
    "style-src 'self'",
    "img-src 'self'",
    // 'self' covers the page's own ws:// origin in current browsers.
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { files, csp };
}

/** Adds every `.js` file of `dir` (not its subfolders) under `prefix`, without its source-map comment. */
function addModules(files: Map<string, PlaygroundAsset>, prefix: string, dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.js')) continue;
    const text = readFileSync(join(dir, name), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    files.set(prefix + name, { contentType: JS, body: Buffer.from(text) });
  }
}
