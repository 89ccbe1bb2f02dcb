// Packs every package and installs the tarballs into a new app outside the workspace, as a user
// of the published packages would, then compiles that app with `skipLibCheck: false` and runs it.
//
// HOW IT FINDS THE PACKAGES: every directory under `packages/` of this workspace (the one holding
// this file, two levels above `test/dist`) is packed with `pnpm pack`, from its built `dist`
// (`pnpm test` runs `tsc -b` first). Nothing is taken from the registry under `@restbatch/`. The
// app itself is `test/fixtures/fresh-app`, copied to a new directory in `os.tmpdir()`; the
// third-party packages (typescript, @types/node, the peers) come from npm with `--prefer-offline`,
// so the local npm cache answers when it can.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/fresh-app');
/** npm may have to download on a cold cache; the whole suite stays within about two minutes. */
const INSTALL_TIMEOUT_MS = 100_000;

const work = mkdtempSync(join(tmpdir(), 'restbatch-install-'));
const app = join(work, 'app');
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((name) => existsSync(join(ROOT, 'packages', name, 'package.json')));

test.after(() => rmSync(work, { recursive: true, force: true }));

test('every package packs and the tarballs install into a new app outside the workspace', async () => {
  const tarballs = join(work, 'tarballs');
  await Promise.all(
    PACKAGES.map((name) => run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(ROOT, 'packages', name), timeout: 60_000 })),
  );
  const packed = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
  assert.is(packed.length, PACKAGES.length);
  cpSync(FIXTURE, app, { recursive: true });
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...packed.map((f) => join(tarballs, f)),
      'typescript@~5.9.3',
      '@types/node@^20.19.0',
      'ws@^8.18.3',
    ],
    { cwd: app, timeout: INSTALL_TIMEOUT_MS },
  );
  for (const name of PACKAGES) assert.ok(existsSync(join(app, 'node_modules/@restbatch', name, 'dist/index.js')), name);
  // Peer dependencies of core: installed once, at the app's top level, where the app's own imports find them.
  for (const peer of ['tsyringe', 'reflect-metadata']) {
    assert.ok(existsSync(join(app, 'node_modules', peer, 'package.json')), peer);
    assert.not.ok(existsSync(join(app, 'node_modules/@restbatch/core/node_modules', peer)), `a second ${peer} under core`);
  }
});

test('no tarball ships build state or workspace configuration (tsbuildinfo, tsconfig)', async () => {
  const tarballs = join(work, 'tarballs');
  for (const tarball of readdirSync(tarballs).filter((f) => f.endsWith('.tgz'))) {
    const { stdout } = await run('tar', ['tzf', join(tarballs, tarball)], { timeout: 20_000 });
    // A tsbuildinfo holds the builder's paths (../../node_modules/.pnpm/...); a tsconfig extends
    // the workspace's tsconfig.base.json, which no installed package has.
    const shipped = stdout.split('\n').filter((path) => /\.tsbuildinfo$|(?:^|\/)tsconfig[^/]*\.json$/.test(path));
    assert.equal(shipped, [], tarball);
  }
});

test('each installed package has its LICENSE, and its declaration maps point at shipped sources', () => {
  for (const name of PACKAGES) {
    const dir = join(app, 'node_modules/@restbatch', name);
    assert.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /^MIT License/, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    assert.ok(manifest.repository?.url && manifest.engines?.node, `${name}: repository and engines`);
    const maps: string[] = [];
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(d, entry.name));
        else if (entry.name.endsWith('.d.ts.map')) maps.push(join(d, entry.name));
      }
    };
    walk(join(dir, 'dist'));
    assert.ok(maps.length > 0, `${name} ships declaration maps`);
    for (const map of maps) {
      for (const source of JSON.parse(readFileSync(map, 'utf8')).sources as string[]) {
        assert.ok(existsSync(resolve(dirname(map), source)), `${map} -> ${source}`);
      }
    }
  }
});

test('the app compiles with strict, nodenext and skipLibCheck false, and runs on all three transports', async () => {
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, timeout: 60_000 }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout}`);
    },
  );
  assert.is(compiled.stdout, '');
  const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: app, timeout: 20_000 });
  const answer = JSON.parse(stdout);
  assert.equal(answer.direct.responses[0].status, 201);
  assert.equal(answer.direct.responses[0].body, { id: '1', title: 'milk' });
  assert.equal(answer.http, { status: 200, body: { id: '1', title: 'milk' } });
  assert.is(answer.ws.type, 'response');
  assert.is(answer.ws.status, 404);
});

test('an edge worker compiles against the installed @restbatch/http/fetch with Web types only (types: [], skipLibCheck: false)', async () => {
  // test/fixtures/fetch-only, placed in the app so that it resolves the installed tarballs.
  const edge = join(app, 'edge');
  cpSync(join(ROOT, 'test/fixtures/fetch-only'), edge, { recursive: true });
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: edge, timeout: 60_000 }).catch(
    (error: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${error.stdout}`);
    },
  );
  assert.is(compiled.stdout, '');
});

test('require() of a package fails with a message that says it is ESM-only and where to read why', async () => {
  const { stdout } = await run(process.execPath, ['require-check.cjs'], { cwd: app, timeout: 20_000 });
  assert.match(stdout, /@restbatch\/core is ESM-only and cannot be loaded with require\(\)/);
  assert.match(stdout, /packages\/core#esm-only/);
});

test('a CommonJS file that imports a value of a package does not compile: ESM-only packages export no value to CommonJS', async () => {
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  const failed = await run(process.execPath, [tsc, '-p', 'tsconfig.cts.json'], { cwd: app, timeout: 60_000 }).then(
    () => 'esm-check.cts compiled without errors',
    (error: { stdout?: string }) => String(error.stdout),
  );
  assert.match(failed, /esm-check\.cts.*'createEngine' cannot be used as a value because it was exported using 'export type'/);
});

test('a CommonJS file imports the types of every package with import type (nodenext and node16, skipLibCheck false)', async () => {
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  for (const config of ['tsconfig.types-cts.json', 'tsconfig.types-cts-node16.json']) {
    const compiled = await run(process.execPath, [tsc, '-p', config], { cwd: app, timeout: 60_000 }).catch(
      (error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout}` }),
    );
    assert.is(compiled.stdout, '', config);
  }
});

test.run();
