// "Any fetch runtime (edge)": the fetch entry (`@restbatch/http/fetch`) with core, as an edge worker
// uses them (test/fixtures/fetch-only/worker.ts). Bundled for the browser platform, it imports no
// Node built-in but the one documented (`node:assert`, from core's router find-my-way); the bundle
// answers batches with Node's globals (`process`, `Buffer`, `setImmediate`) taken out of its code;
// and the worker compiles against Web types only (`types: []`, `skipLibCheck: false`). The README's
// recipe for a runtime without `node:assert` (an esbuild alias) is run here as written.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const TEST_ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = new URL('../../packages/http/README.md', import.meta.url);
/** The Node built-ins the fetch path may import, and who imports them (docs: packages/http/README.md). */
const ALLOWED_BUILTINS: Record<string, RegExp> = { 'node:assert': /[/\\]find-my-way[/\\]/ };

/** Node's globals that no Web runtime has. */
const NODE_GLOBALS = ['process', 'Buffer', 'setImmediate', 'clearImmediate', 'global'];

const work = mkdtempSync(join(tmpdir(), 'restbatch-edge-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/**
 * The README's recipe for a runtime without `node:assert`: the `sh` block of "Edge runtimes and
 * bundles", and the module its `echo` writes (the stand-in every bundle of this suite uses).
 */
function readmeRecipe(): { script: string; module: string; file: string } {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('## Edge runtimes and bundles'));
  const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(script?.includes('--alias:node:assert='), 'the README still shows the esbuild alias recipe');
  const echo = /^echo '([^']*)' > (\S+)$/m.exec(script!);
  assert.ok(echo, 'the recipe writes the stand-in with one echo');
  return { script: script!, module: echo![1]!, file: echo![2]! };
}

/**
 * Runs `script` with sh in a fresh folder holding the fixture's worker.ts, as its reader would
 * (`npx esbuild` being the test's own esbuild), and returns the folder.
 */
async function runRecipe(script: string): Promise<string> {
  const dir = mkdtempSync(join(work, 'recipe-'));
  copyFileSync(join(FIXTURE, 'worker.ts'), join(dir, 'worker.ts'));
  mkdirSync(join(dir, 'dist'));
  await run('sh', ['-ec', `npx() { "$@"; }\n${script}`], {
    cwd: dir,
    timeout: 120_000,
    env: {
      ...process.env,
      PATH: `${join(TEST_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      // The worker's imports (@restbatch/core, ...) resolve from the test package, as from the reader's own.
      NODE_PATH: join(TEST_ROOT, 'node_modules'),
    },
  });
  return dir;
}

/** Loads the bundle `dir/dist/worker.js` in a fresh Node and answers one Exago batch with it, or reports what it threw. */
async function answerWith(dir: string): Promise<{ status?: number; text?: string; error?: { code?: string; message: string } }> {
  copyFileSync(join(dir, 'dist', 'worker.js'), join(dir, 'worker.mjs'));
  writeFileSync(
    join(dir, 'answer.mjs'),
    `let worker;
try {
  ({ default: worker } = await import('./worker.mjs'));
} catch (error) {
  console.log(JSON.stringify({ error: { code: error.code, message: error.message } }));
  process.exit(0);
}
const res = await worker.fetch(new Request('http://edge.test/rest/batch', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify([{ Url: 'Sessions', Method: 'POST' }, { Url: 'Roles', Method: 'POST', Payload: { Id: 'R' } }]) }));
console.log(JSON.stringify({ status: res.status, text: await res.text() }));
`,
  );
  const { stdout } = await run(process.execPath, ['answer.mjs'], { cwd: dir, timeout: 60_000 });
  return JSON.parse(stdout) as { status?: number; text?: string; error?: { code?: string; message: string } };
}

/** Records every Node built-in the bundle imports (and from where), resolving it to a stand-in. */
function builtins(seen: Array<{ name: string; importer: string }>): Plugin {
  return {
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /^node:|^(?:assert|buffer|crypto|events|http|stream|timers|util|async_hooks)(?:\/.*)?$/ }, (args) => {
        seen.push({ name: args.path, importer: args.importer });
        return { path: args.path, namespace: 'builtin' };
      });
      // find-my-way calls assert(value, message) only: the README's stand-in.
      b.onLoad({ filter: /.*/, namespace: 'builtin' }, () => ({ contents: readmeRecipe().module, loader: 'js' }));
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

test("the README's esbuild alias recipe, run as written, bundles a worker without node:assert that answers batches", async () => {
  const dir = await runRecipe(readmeRecipe().script);
  const code = readFileSync(join(dir, 'dist', 'worker.js'), 'utf8');
  assert.not.ok(/["']node:assert["']|require\(["']assert["']\)/.test(code), 'the alias replaced node:assert');
  const answer = await answerWith(dir);
  assert.is(answer.error, undefined, JSON.stringify(answer.error));
  assert.is(answer.status, 200, answer.text);
  assert.equal(
    (JSON.parse(answer.text!) as Array<{ ReturnCode: string }>).map((r) => r.ReturnCode),
    ['201', '201'],
  );
});

test('a router that fails to register a route (node:assert aliased to an ES module) is reported as such (ROUTE_REJECTED), not as a conflict', async () => {
  const { script, module, file } = readmeRecipe();
  // The recipe as the README once had it: an ES module, which a bundled require() sees as { default: fn }.
  const esm = script
    .replace(module, 'export default function assert(value, message) { if (!value) throw new Error(message); }')
    .replace(`> ${file}`, '> assert.js')
    .replace(/--alias:node:assert=\S+/, '--alias:node:assert=./assert.js');
  assert.ok(esm.includes('export default') && esm.includes('> assert.js'), esm);
  const answer = await answerWith(await runRecipe(esm));
  assert.is(answer.error?.code, 'ROUTE_REJECTED', JSON.stringify(answer));
  assert.not.match(answer.error!.message, /conflict/);
  assert.match(answer.error!.message, /the router \(find-my-way\) failed to register it: assert\w* is not a function/);
  assert.match(answer.error!.message, /must be a CommonJS module/);
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
