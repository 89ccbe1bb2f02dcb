// @restbatch/playground's handler on its own: what it serves, and that the page needs nothing else.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPlaygroundHandler, loadPlaygroundAssets } from '@restbatch/playground';
import { request } from 'undici';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listen } from './support/listen.js';

const run = promisify(execFile);

test('serves the page, its modules and the client modules from memory, with a policy that allows only its own origin', async () => {
  const handle = createPlaygroundHandler();
  const server = await listen((req, res) => {
    if (!handle(req, res)) res.writeHead(418).end();
  });
  try {
    const page = await request(`${server.url}/playground`);
    assert.is(page.statusCode, 200);
    assert.is(page.headers['content-type'], 'text/html; charset=utf-8');
    const html = await page.body.text();
    const map = /<script type="importmap">([^<]*)<\/script>/.exec(html)![1]!;
    assert.equal(JSON.parse(map), { imports: { '@restbatch/client': '/playground/client/index.js' } });
    const csp = String(page.headers['content-security-policy']);
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update(map).digest('base64')}'`), csp);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    for (const path of [
      '/playground/app/app.js',
      '/playground/client/index.js',
      '/playground/client/http-transport.js',
      '/playground/playground.css',
    ]) {
      const res = await request(server.url + path);
      assert.is(res.statusCode, 200, path);
      assert.not.match(await res.body.text(), /sourceMappingURL/, path);
    }
    const missing = await request(`${server.url}/playground/nope.js`);
    assert.is(missing.statusCode, 404);
    await missing.body.dump();
    const post = await request(`${server.url}/playground`, { method: 'POST' });
    assert.is(post.statusCode, 405);
    assert.is(post.headers.allow, 'GET, HEAD');
    await post.body.dump();
    const head = await request(`${server.url}/playground`, { method: 'HEAD' });
    assert.is(head.statusCode, 200);
    assert.is(await head.body.text(), '');
    const other = await request(`${server.url}/rest/batch`);
    assert.is(other.statusCode, 418, 'other paths are left to the next handler');
    await other.body.dump();
  } finally {
    await server.close();
  }
});

test('the page loads nothing from another origin: no absolute URL in any of its files', () => {
  const { files } = loadPlaygroundAssets('/playground');
  assert.ok(files.size > 20);
  for (const [path, file] of files) {
    const text = file.body.toString('utf8').replaceAll('http://www.w3.org/2000/svg', '');
    assert.not.match(text, /(https?:)?\/\/[a-z0-9-]+\.[a-z]/i, path);
  }
});

test('a base path moves the page and its files', () => {
  const { files } = loadPlaygroundAssets('/tools/batch');
  assert.ok(files.has('/tools/batch'));
  assert.ok(files.has('/tools/batch/app/app.js'));
  assert.match(files.get('/tools/batch')!.body.toString(), /"\/tools\/batch\/client\/index\.js"/);
});

const SUITE = fileURLToPath(new URL('./playground-client.test.js', import.meta.url));

test('without Chromium a browser suite is one failing test that says what to install, CI or not (never skipped)', async () => {
  const env = { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' };
  for (const ci of ['', 'true']) {
    const failed = await run(process.execPath, [SUITE], { env: { ...env, CI: ci }, timeout: 30_000 }).then(
      () => undefined,
      (error: { stdout: string; code: number }) => error,
    );
    assert.ok(failed !== undefined, `the suite failed (CI=${ci})`);
    assert.match(failed.stdout, /FAIL\s+"\/nonexistent\/chromium is installed \(the browser suites need it\)"/);
    assert.match(failed.stdout, /apt-get install -y chromium/);
    assert.match(failed.stdout, /Skipped:\s+0/);
    assert.match(failed.stdout, /Total:\s+1/);
  }
});

test.run();
