// The playground in headless Chromium, on what an outside reviewer found: a damaged share link
// opened by a hash change, a session call whose path holds a `#`, and one long task drawing 10000
// items at once.
import 'reflect-metadata';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, shown, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

/** The cap of packages/playground/browser/frame-queue.ts (MAX_ITEMS_PER_FRAME). */
const MAX_ITEMS_PER_FRAME = 250;

async function sendAndWait(page: Page, timeout = 10_000): Promise<void> {
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // The status line names the answer's status once the batch is done (or says it failed).
  await page.waitForFunction(() => /^(\d{3} · |Failed)/.test(document.querySelector('#status-line')?.textContent ?? ''), undefined, {
    timeout,
  });
}

it('a damaged share link opened by a hash change says so, as on load, and leaves the batch as it was', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const before = await page.getByLabel('Batch JSON').inputValue();
  // `eyJ4Ijox` is base64url of `{"x":1`: JSON cut short.
  await page.evaluate(() => {
    location.hash = '#batch=eyJ4Ijox';
  });
  await page.waitForFunction(() => /^The shared link is damaged: /.test(document.querySelector('#status-line')?.textContent ?? ''));
  assert.match(await shown(page.locator('#status-line')), /^The shared link is damaged: \S/);
  assert.is(await page.getByLabel('Batch JSON').inputValue(), before);
  // A link that is not damaged still restores its batch by a hash change.
  await page.evaluate(() => {
    const state = { endpoint: '/rest/batch', transport: 'http', query: '', headers: '', batch: '[{"Url":"Sessions","Method":"POST"}]' };
    location.hash = `#batch=${btoa(JSON.stringify(state)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
  });
  await page.waitForFunction(
    () => (document.querySelector('#batch') as HTMLTextAreaElement).value === '[{"Url":"Sessions","Method":"POST"}]',
  );
  await r.shoot('40-damaged-link-by-hash-change-1280x720-light');
});

for (const transport of ['HTTP', 'WebSocket'] as const) {
  it(
    `refuses a session call whose path holds a # (a fragment no request carries), over ${transport}`,
    async (r) => {
      const { page } = r;
      await openPlayground(r);
      if (transport === 'WebSocket') await page.getByLabel('WebSocket').check();
      await sendAndWait(page);
      await shown(page.locator('#session-id'));
      const sent: string[] = [];
      page.on('request', (request) => sent.push(request.url()));
      await page.getByLabel('Path', { exact: true }).fill('/rest/Roles#x');
      await page.getByRole('button', { name: 'Call with session' }).click();
      const answer = await shown(page.locator('#call-result'));
      assert.match(answer, /^Not sent: the path holds “#”/);
      assert.match(answer, /%23/);
      assert.equal(
        sent.filter((url) => url.includes('/rest/Roles')),
        [],
      );
      // Written as %23, it is a path the server reads (a role that does not exist).
      await page.getByLabel('Path', { exact: true }).fill('/rest/Roles/My%23Role');
      await page.getByRole('button', { name: 'Call with session' }).click();
      await page.locator('#call-result pre').waitFor();
      assert.match(await shown(page.locator('#call-result')), /^404 GET \/rest\/Roles\/My%23Role\?sid=[0-9a-f]{32}/);
      await r.shoot(`41-session-call-fragment-${transport.toLowerCase()}-1280x720-light`);
    },
    { expectErrors: [/status of 404/] },
  );
}

it(`draws a batch of 10000 items at most ${MAX_ITEMS_PER_FRAME} items per animation frame, all of them, in order`, async (r) => {
  const { page } = r;
  await openPlayground(r);
  const count = 10_000;
  const batch = [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: count - 1 }, () => ({ Url: 'Roles', Method: 'GET' }))];
  await page.getByLabel('Batch JSON').fill(JSON.stringify(batch));
  // Items the list gained between two animation frames: one frame's drawing (the old page appended
  // thousands in one frame, and the rest in one task once the answer was complete).
  await page.evaluate(() => {
    const list = document.getElementById('items')!;
    const perFrame: number[] = [];
    (window as unknown as { perFrame: number[] }).perFrame = perFrame;
    let seen = 0;
    const tick = () => {
      const now = list.childElementCount;
      if (now !== seen) perFrame.push(now - seen);
      seen = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // A hang guard, not a speed check.
  await sendAndWait(page, 50_000);
  assert.match(await shown(page.locator('#status-line')), new RegExp(`^200 · ${count} items · `));
  // The frame after the last drawing is counted too.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const perFrame = await page.evaluate(() => (window as unknown as { perFrame: number[] }).perFrame);
  assert.is(
    perFrame.reduce((a, b) => a + b, 0),
    count,
  );
  const most = Math.max(...perFrame);
  assert.ok(most <= MAX_ITEMS_PER_FRAME, `one frame appended ${most} items (frames: ${perFrame.length})`);
  const indexes = await page.locator('#items > li').evaluateAll((items) => items.map((li) => Number((li as HTMLElement).dataset.index)));
  assert.equal(
    indexes,
    Array.from({ length: count }, (_, i) => i),
  );
  assert.is(await page.locator('#waterfall-rows > li').count(), count);
});

test.run();
