// The playground in headless Chromium, on a second review: every item that never ran is marked
// skipped (docs/failure-policy.md), a long error message wraps inside its card, and "Copy as curl"
// encodes the query as the page's fetch does.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, shown, statuses, useChromium } from './support/chromium-suite.js';
import { type Gate, slowEngine } from './support/slow-engine.js';

const it = useChromium(test);
const run = promisify(execFile);

async function sendAndWait(page: Page, count: number): Promise<void> {
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page
    .locator('#items > li')
    .nth(count - 1)
    .waitFor();
  await page.locator('#results[aria-busy]').waitFor({ state: 'detached' });
}

it('marks an OData request whose dependency failed (424 DEPENDENCY_FAILED) skipped, as the summary counts it', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await page.getByLabel('Endpoint').selectOption('/rest/claim/v1/$batch');
  const batch = {
    requests: [
      { id: 'a', method: 'GET', url: 'claims/cc:404' },
      { id: 'b', method: 'GET', url: 'claims', dependsOn: ['a'] },
    ],
  };
  await page.getByLabel('Batch JSON').fill(JSON.stringify(batch, null, 2));
  await sendAndWait(page, 2);
  assert.equal(await statuses(page), ['404', '424']);
  const failed = page.locator('#items > li').first();
  assert.is(await failed.getAttribute('data-mark'), null);
  const skipped = page.locator('#items > li').nth(1);
  assert.is(await skipped.getAttribute('data-mark'), 'skipped');
  assert.ok(await skipped.locator('.mark', { hasText: 'Skipped' }).isVisible());
  assert.match(await shown(skipped), /DEPENDENCY_FAILED/);
  assert.match(await shown(page.locator('#summary')), /0 succeeded[\s\S]*1 failed[\s\S]*1 skipped/);
  assert.match((await page.locator('#waterfall-rows > li').nth(1).getAttribute('aria-label')) ?? '', /Skipped/);
  await r.shoot('40-odata-dependency-failed-skipped-1280x720-light');
});

let held: Gate | undefined;
it(
  'marks the items a passed batch deadline never started skipped (504 TIMEOUT), not the one it stopped while running',
  async (r) => {
    const { page } = r;
    const gate = held!;
    r.closing(() => gate.release());
    await openPlayground(r);
    const batch = [
      { Url: 'Sessions', Method: 'POST' },
      { Url: 'Slow/held', Method: 'POST' },
      { Url: 'Roles', Method: 'GET' },
    ];
    await page.getByLabel('Batch JSON').fill(JSON.stringify(batch));
    await page.getByLabel('Headers').fill('RestBatch-Timeout: 300');
    await sendAndWait(page, 3);
    assert.equal(await statuses(page), ['201', '504', '504']);
    assert.is(await page.locator('#items > li').nth(1).getAttribute('data-mark'), null);
    const skipped = page.locator('#items > li').nth(2);
    assert.is(await skipped.getAttribute('data-mark'), 'skipped');
    assert.match(await shown(skipped), /TIMEOUT .*before this sub-request started/);
    assert.match(await shown(page.locator('#summary')), /1 succeeded[\s\S]*1 failed[\s\S]*1 skipped/);
    await r.shoot('41-timeout-skipped-1280x720-light');
  },
  {
    server: () => {
      const { engine, gate } = slowEngine();
      held = gate;
      return { engine };
    },
    // This engine has no OpenAPI document: the page says completion is off.
    expectErrors: [/Failed to load resource: the server responded with a status of 404/],
  },
);

it(
  'wraps a long error message without spaces inside its item card on a 400px screen',
  async (r) => {
    const { page } = r;
    await openPlayground(r);
    const name = `R${'x'.repeat(319)}`;
    await page.getByLabel('Batch JSON').fill(
      JSON.stringify([
        { Url: 'Sessions', Method: 'POST' },
        { Url: name, Method: 'GET' },
      ]),
    );
    await sendAndWait(page, 2);
    assert.equal(await statuses(page), ['201', '404']);
    const card = page.locator('#items > li').nth(1);
    const message = card.locator('.item-message');
    // The message repeats the path's first 200 characters (docs/errors.md): still one long word to wrap.
    assert.match(await shown(message), new RegExp(`/${name.slice(0, 199)}… \\(321 characters\\)`));
    const sizes = await card.evaluate((li) => {
      const p = li.querySelector('.item-message')!;
      return {
        card: [li.scrollWidth, li.clientWidth],
        message: [p.scrollWidth, p.clientWidth],
        page: [document.documentElement.scrollWidth, innerWidth],
      };
    });
    assert.ok(sizes.message[0]! <= sizes.message[1]!, `message ${JSON.stringify(sizes)}`);
    assert.ok(sizes.card[0]! <= sizes.card[1]!, `card ${JSON.stringify(sizes)}`);
    assert.ok(sizes.page[0]! <= sizes.page[1]!, `page ${JSON.stringify(sizes)}`);
    await message.scrollIntoViewIfNeeded();
    await r.shoot('42-long-message-400x800-light');
  },
  { context: { viewport: { width: 400, height: 800 } } },
);

it('copies a query with a space, brackets and non-ASCII text as curl that requests the URL the page fetched', async (r) => {
  const { page, server } = r;
  await openPlayground(r);
  const fetched: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') fetched.push(request.url());
  });
  await page.getByLabel('Batch JSON').fill(JSON.stringify([{ Url: 'Sessions', Method: 'POST' }]));
  await page.getByLabel('Query string').fill('onFail=stop&note=a b&tags=[x]{y}&who=Zoë');
  await sendAndWait(page, 1);
  assert.equal(fetched, [`${server.url}/rest/batch?onFail=stop&note=a%20b&tags=[x]{y}&who=Zo%C3%AB`]);
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  const command = await page.getByLabel('curl command').inputValue();
  assert.ok(command.includes(`'${fetched[0]}'`), command);
  // curl -v prints the request line it sent.
  const { stdout, stderr } = await run('bash', ['-c', command.replace('curl -sS', 'curl -v -sS')], { timeout: 10_000 });
  assert.match(stdout, /"ReturnCode":\s*"201"/);
  assert.ok(stderr.includes('> POST /rest/batch?onFail=stop&note=a%20b&tags=[x]{y}&who=Zo%C3%AB HTTP/1.1'), stderr);
});

test.run();
