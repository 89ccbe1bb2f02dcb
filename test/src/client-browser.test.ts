import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const DIST = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url));

/** Every module the main entry loads, following relative imports; bare specifiers are returned apart. */
function graph(entry: string): { files: string[]; bare: string[] } {
  const files: string[] = [];
  const bare: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/(?:import|export)[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      if (spec === undefined) continue;
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else bare.push(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

test('the main entry (HTTP and WebSocket transports) imports no Node built-in and no other package, so it runs in a browser', () => {
  const { files, bare } = graph(join(DIST, 'index.js'));
  assert.ok(files.some((f) => f.endsWith('http-transport.js')));
  assert.equal(bare, []);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    assert.not.match(source, /\b(process|Buffer|require)\b[.(]/, file);
  }
});

test('the direct transport lives behind its own entry, which is where the engine is imported', () => {
  const { bare } = graph(join(DIST, 'direct.js'));
  assert.equal(bare.sort(), ['@restbatch/direct']);
});

test.run();
