// "Any fetch runtime (edge)": the fetch entry (`@restbatch/http/fetch`) with core, as an edge worker
// uses them (test/fixtures/fetch-only/worker.ts). Bundled for the browser platform, it imports no
// Node built-in but the one documented (`node:assert`, from core's router find-my-way); the bundle
// answers batches with Node's globals (`process`, `Buffer`, `setImmediate`) taken out of its code;
// and the worker compiles against Web types only (`types: []`, `skipLibCheck: false`).
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { callerKey, defaultIdentityKey, problemDetailsEncoder } from '@restbatch/core';
import { build, type Plugin } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/fetch-only/', import.meta.url));
/** The Node built-ins the fetch path may import, and who imports them (docs: packages/http/README.md). */
const ALLOWED_BUILTINS: Record<string, RegExp> = { 'node:assert': /[/\\]find-my-way[/\\]/ };

/** Node's globals that no Web runtime has. */
const NODE_GLOBALS = ['process', 'Buffer', 'setImmediate', 'clearImmediate', 'global'];

const work = mkdtempSync(join(tmpdir(), 'restbatch-edge-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** Records every Node built-in the bundle imports (and from where), resolving it to a stand-in. */
function builtins(seen: Array<{ name: string; importer: string }>): Plugin {
  return {
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /^node:|^(?:assert|buffer|crypto|events|http|stream|timers|util|async_hooks)(?:\/.*)?$/ }, (args) => {
        seen.push({ name: args.path, importer: args.importer });
        return { path: args.path, namespace: 'builtin' };
      });
      // find-my-way calls assert(value, message) only.
      b.onLoad({ filter: /.*/, namespace: 'builtin' }, () => ({
        contents: 'module.exports = function assert(value, message) { if (!value) throw new Error(message); };',
        loader: 'js',
      }));
    },
  };
}

/** The worker bundled for the browser platform, with core's `callerKey` exported beside it. */
async function bundle(format: 'esm' | 'iife'): Promise<{ code: string; seen: Array<{ name: string; importer: string }> }> {
  const seen: Array<{ name: string; importer: string }> = [];
  const out = await build({
    stdin: {
      contents: "export { default } from './worker.ts'; export { callerKey, defaultIdentityKey } from '@restbatch/core';",
      resolveDir: FIXTURE,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format,
    write: false,
    logLevel: 'silent',
    plugins: [builtins(seen)],
    // The bundle sees none of Node's globals, as on an edge runtime (Node's own Request and
    // Response, which the runner lends it, still need them).
    define: Object.fromEntries(
      NODE_GLOBALS.flatMap((name) => [
        [name, 'undefined'],
        [`globalThis.${name}`, 'undefined'],
      ]),
    ),
  });
  return { code: out.outputFiles[0]!.text, seen };
}

test('the fetch entry bundled for the browser platform imports no Node built-in but node:assert from find-my-way', async () => {
  const { seen } = await bundle('esm');
  const unexpected = seen.filter(({ name, importer }) => !ALLOWED_BUILTINS[name]?.test(importer));
  assert.equal(
    unexpected.map(({ name, importer }) => `${name} from ${importer}`),
    [],
  );
  assert.ok(
    seen.some(({ name }) => name === 'node:assert'),
    'the one documented import is still there (update the README if it went)',
  );
});

/** What the bundle answers, with Node's globals gone from its code (see {@link bundle}). */
const RUNNER = `
const { default: worker, callerKey, defaultIdentityKey } = await import('./bundle.mjs');
const call = async (path, init = {}) => {
  const res = await worker.fetch(new Request('http://edge.test' + path, init));
  return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
};
const json = { 'content-type': 'application/json' };
const seed = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } }]);
const out = {};
out.batch = await call('/rest/batch', { method: 'POST', headers: json, body: seed });
out.ndjson = await call('/rest/batch', { method: 'POST', headers: { ...json, accept: 'application/x-ndjson' }, body: seed });
const retry = { ...json, 'idempotency-key': 'k-1', 'x-test-client': '203.0.113.9' };
out.first = await call('/rest/batch', { method: 'POST', headers: retry, body: seed });
out.replay = await call('/rest/batch', { method: 'POST', headers: retry, body: seed });
const big = JSON.stringify([{ Url: 'Sessions', Method: 'POST' }, { Url: 'Parameters', Method: 'POST', Payload: { Id: 'B', Value: 'v'.repeat(65536) } },
  ...Array.from({ length: 24 }, () => ({ Url: 'Parameters/B', Method: 'GET' }))]);
out.large = await call('/rest/batch', { method: 'POST', headers: json, body: big });
out.keys = IDENTITIES.map((identity) => callerKey({ identity }, defaultIdentityKey));
console.log(JSON.stringify(out));
`;

/** Identities whose caller keys (SHA-256) must be the same in and out of Node. */
const IDENTITIES = ['alice', 'é€😀\ud800', 'x'.repeat(100_000), { id: 42 }, { sub: 'u-1', roles: ['a'] }];

test('the bundle answers batches, streams, replays and large answers with the Node globals gone, and hashes as Node does', async () => {
  const { code } = await bundle('esm');
  writeFileSync(join(work, 'bundle.mjs'), code);
  writeFileSync(join(work, 'run.mjs'), `const IDENTITIES = ${JSON.stringify(IDENTITIES)};\n${RUNNER}`);
  const { stdout } = await run(process.execPath, ['run.mjs'], { cwd: work, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  const out = JSON.parse(stdout) as Record<string, { status: number; headers: Record<string, string>; text: string }> & {
    keys: string[];
  };
  assert.is(out.batch!.status, 200, out.batch!.text);
  assert.equal(
    (JSON.parse(out.batch!.text) as Array<{ ReturnCode: string }>).map((r) => r.ReturnCode),
    ['201', '201'],
  );
  assert.is(out.ndjson!.headers['content-type'], 'application/x-ndjson; charset=utf-8');
  assert.is(out.ndjson!.text.trimEnd().split('\n').length, 3);
  assert.is(out.first!.status, 200);
  assert.is(out.replay!.headers['idempotent-replayed'], 'true', JSON.stringify(out.replay!.headers));
  assert.is(out.replay!.text.replace(/[0-9a-f]{32}/g, 'ID'), out.first!.text.replace(/[0-9a-f]{32}/g, 'ID'));
  // Over 1 Mi characters: made in turns without setImmediate, and whole.
  assert.is(out.large!.status, 200);
  assert.ok(out.large!.text.length > 1024 * 1024, `${out.large!.text.length} characters`);
  assert.is((JSON.parse(out.large!.text) as unknown[]).length, 26);
  assert.equal(
    out.keys,
    IDENTITIES.map((identity) => callerKey({ identity }, defaultIdentityKey)),
  );
});

test('a fetch-only consumer compiles with Web types only (types: [], skipLibCheck: false)', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', FIXTURE], { timeout: 120_000 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}`, failed: true }),
  );
  assert.not.ok('failed' in compiled, compiled.stdout);
});

test('problem details titles are the reason phrases node:http names, without node:http', () => {
  const encoder = problemDetailsEncoder();
  for (let status = 100; status < 600; status++) {
    const body = encoder.encodeError({ status, code: 'X', message: 'm', stack: null }) as { title: string };
    assert.is(body.title, STATUS_CODES[status] ?? 'Error', String(status));
  }
});

test.run();
