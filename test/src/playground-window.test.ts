// The playground's results are windowed (packages/playground/browser/virtual-list.ts): a batch of
// 10 000 items keeps a bounded number of rows in the document, and every item is still reached by
// scrolling and from the keyboard, opened, and numbered for screen readers out of the whole batch.
import 'reflect-metadata';
import type { Locator, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, sendAndWait, shown, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

/**
 * Most rows either list may hold (at 1280×720 about 30 items and 40 timeline rows are drawn: those
 * in view, a view's height above and below, and the focused item's neighbours). A bound that does
 * not depend on the batch's size: every item in the document would be 10 000.
 */
const MOST_ROWS = 60;
const COUNT = 10_000;

/** An Exago batch: a session, then `count - 1` reads of the roles, every `failEvery`-th one of a role that does not exist (404). */
function rolesBatch(count: number, failEvery = 0): string {
  const items = Array.from({ length: count - 1 }, (_, i) =>
    failEvery > 0 && (i + 1) % failEvery === 0 ? { Url: 'Roles/Nope', Method: 'GET' } : { Url: 'Roles', Method: 'GET' },
  );
  return JSON.stringify([{ Url: 'Sessions', Method: 'POST' }, ...items]);
}

async function sendBatch(page: Page, text: string, count: number): Promise<void> {
  await page.getByLabel('Batch JSON').fill(text);
  // A hang guard, not a speed check.
  await sendAndWait(page, 50_000);
  assert.match(await shown(page.locator('#status-line')), new RegExp(`^200 · ${count} items · `));
}

/** Waits two animation frames: what a scroll or a key changed is drawn. */
function frames(page: Page): Promise<unknown> {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** The box that scrolls the results: the results panel on a wide screen, the page on a phone. */
function scrollResults(page: Page, to: 'top' | 'end'): Promise<unknown> {
  return page.evaluate(async (to) => {
    const panel = document.getElementById('results')!;
    const box = getComputedStyle(panel).overflowY === 'auto' ? panel : document.scrollingElement!;
    // Rows measured on the way may change the list's height: again until it stays at the end.
    for (let i = 0; i < 10; i++) {
      box.scrollTop = to === 'top' ? 0 : box.scrollHeight;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      if (to === 'top' || box.scrollTop + box.clientHeight >= box.scrollHeight - 1) return;
    }
  }, to);
}

/** The drawn item rows: index, position and set size, and where they are (px, viewport). */
function rows(page: Page) {
  return page.locator('#items > li').evaluateAll((items) =>
    items.map((li) => {
      const box = li.getBoundingClientRect();
      return {
        index: Number((li as HTMLElement).dataset.index),
        posinset: li.getAttribute('aria-posinset'),
        setsize: li.getAttribute('aria-setsize'),
        top: box.top,
        bottom: box.bottom,
      };
    }),
  );
}

/** Whether `locator`'s box is wholly inside the part of the page the results show. */
function inView(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const panel = document.getElementById('results')!;
    const clip = getComputedStyle(panel).overflowY === 'auto' ? panel.getBoundingClientRect() : { top: 0, bottom: innerHeight };
    return box.top >= clip.top - 1 && box.bottom <= clip.bottom + 1 && box.height > 0;
  });
}

/** Asserts that the drawn rows follow each other in index order, 8px apart (none overlaps another, none is left out). */
async function assertStacked(page: Page): Promise<void> {
  const drawn = await rows(page);
  for (let i = 1; i < drawn.length; i++) {
    const [a, b] = [drawn[i - 1]!, drawn[i]!];
    assert.is(b.index, a.index + 1, `rows ${a.index} then ${b.index}`);
    assert.ok(Math.abs(b.top - a.bottom - 8) < 1, `row ${b.index} starts ${b.top - a.bottom}px after row ${a.index}`);
  }
}

/** The focused element's item index and tag (`LI` for the item itself, `SUMMARY` for its Headers/Body). */
function focused(page: Page): Promise<{ index: number; tag: string; text: string } | undefined> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    const li = active?.closest('#items > li') as HTMLElement | null;
    if (active === null || li === null) return undefined;
    return { index: Number(li.dataset.index), tag: active.tagName, text: active.tagName === 'SUMMARY' ? (active.textContent ?? '') : '' };
  });
}

it(`keeps at most ${MOST_ROWS} rows of a 10000-item batch in the document, shows the last item at the end, and opens items after scrolling`, async (r) => {
  const { page } = r;
  await openPlayground(r);
  // The most rows each list held at any frame while the batch was drawn.
  await page.evaluate(() => {
    const most = { items: 0, rows: 0 };
    (window as unknown as { most: typeof most }).most = most;
    const tick = () => {
      most.items = Math.max(most.items, document.querySelectorAll('#items > li').length);
      most.rows = Math.max(most.rows, document.querySelectorAll('#waterfall-rows > li').length);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await sendBatch(page, rolesBatch(COUNT), COUNT);
  const most = await page.evaluate(() => (window as unknown as { most: { items: number; rows: number } }).most);
  assert.ok(most.items > 0 && most.items <= MOST_ROWS, `items in the document: ${most.items}`);
  assert.ok(most.rows > 0 && most.rows <= MOST_ROWS, `timeline rows in the document: ${most.rows}`);
  // The first items, numbered out of the whole batch.
  const top = await rows(page);
  assert.equal(
    top.map((row) => [row.index, row.posinset, row.setsize]),
    top.map((_, i) => [i, String(i + 1), String(COUNT)]),
  );
  assert.match(await shown(page.locator('#items > li').first()), /^#0\s+201\s+POST Sessions/);
  await assertStacked(page);
  await r.shoot('50-window-10000-top-1280x720-light');

  await scrollResults(page, 'end');
  const last = page.locator(`#items > li[data-index="${COUNT - 1}"]`);
  assert.ok(await inView(last), 'the last item is in view');
  assert.match(await shown(last), new RegExp(`^#${COUNT - 1}\\s+200\\s+GET Roles`));
  assert.is(await last.getAttribute('aria-posinset'), String(COUNT));
  assert.is(await last.getAttribute('aria-setsize'), String(COUNT));
  assert.is(await last.getAttribute('data-status'), '200');
  assert.ok((await page.locator('#items > li').count()) <= MOST_ROWS);
  assert.is(await page.locator('#items > li[data-index="0"]').count(), 0);
  await assertStacked(page);
  await r.shoot('51-window-10000-bottom-1280x720-light');

  // Open the body of an item near the end: it shows the role list, and the items after it move down.
  const item = page.locator(`#items > li[data-index="${COUNT - 3}"]`);
  await item.getByText('Body', { exact: true }).click();
  const body = item.locator('details').nth(1).locator('pre');
  assert.equal(JSON.parse(await shown(body)), [{ Id: 'MyRole', IsActive: false }]);
  await item.getByText('Headers (0)').click();
  assert.is(await shown(item.locator('details').first().locator('pre')), '(none in this dialect’s item)');
  await frames(page);
  await assertStacked(page);
  await r.shoot('52-window-10000-opened-1280x720-light');
  // Scrolled away, it leaves the document (once the focus, which the click gave its summary and
  // which keeps an item drawn, is elsewhere); scrolled back, it is drawn open again.
  await page.getByRole('button', { name: 'Send', exact: true }).focus();
  await scrollResults(page, 'top');
  assert.is(await item.count(), 0);
  await scrollResults(page, 'end');
  assert.ok(
    await item
      .locator('details')
      .nth(1)
      .evaluate((d) => (d as HTMLDetailsElement).open),
  );
  assert.ok(
    await item
      .locator('details')
      .first()
      .evaluate((d) => (d as HTMLDetailsElement).open),
  );
  assert.ok(await inView(last), 'the last item is in view');
  await assertStacked(page);
});

it('moves between the items of a 10000-item batch with the arrow keys, Home, End, Page Down and Tab, the focused item kept', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await sendBatch(page, rolesBatch(COUNT), COUNT);
  await page.locator('#items > li[data-index="0"] summary').first().focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(page), { index: 1, tag: 'LI', text: '' });
  await page.keyboard.press('End');
  assert.equal(await focused(page), { index: COUNT - 1, tag: 'LI', text: '' });
  await frames(page);
  assert.ok(await inView(page.locator(`#items > li[data-index="${COUNT - 1}"]`)), 'the last item is scrolled into view');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(page), { index: COUNT - 2, tag: 'LI', text: '' });
  // Shift+Tab and Tab go through the summaries of the items around it, in order.
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(page), { index: COUNT - 3, tag: 'SUMMARY', text: 'Body' });
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), { index: COUNT - 2, tag: 'SUMMARY', text: 'Headers (0)' });
  // Enter opens a summary's details (and the item keeps it open).
  await page.keyboard.press('Enter');
  assert.ok(
    await page
      .locator(`#items > li[data-index="${COUNT - 2}"] details`)
      .first()
      .evaluate((d) => (d as HTMLDetailsElement).open),
  );
  await r.shoot('53-window-keyboard-end-1280x720-light');
  // Scrolled far away with the mouse, the focused item stays in the document, and so do its
  // neighbours: Tab still goes on to the next item.
  await scrollResults(page, 'top');
  assert.equal(await focused(page), { index: COUNT - 2, tag: 'SUMMARY', text: 'Headers (0)' });
  assert.ok((await page.locator('#items > li').count()) <= MOST_ROWS);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), { index: COUNT - 2, tag: 'SUMMARY', text: 'Body' });
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), { index: COUNT - 1, tag: 'SUMMARY', text: 'Headers (0)' });
  await page.keyboard.press('Home');
  assert.equal(await focused(page), { index: 0, tag: 'LI', text: '' });
  await page.keyboard.press('PageDown');
  const paged = await focused(page);
  assert.ok(paged !== undefined && paged.index > 3 && paged.index < 20, `Page Down went to ${JSON.stringify(paged)}`);
  await frames(page);
  assert.ok(await inView(page.locator(`#items > li[data-index="${paged!.index}"]`)), 'Page Down scrolled to its item');
  // The keys are explained to screen readers by the list's description.
  assert.match(await shown(page.locator('#items-hint')), /↑\/↓ next or previous item · Home\/End first or last/);
  assert.is(await page.locator('#items').getAttribute('aria-describedby'), 'items-hint');
});

it(
  'on a phone, where the page scrolls, keeps the rows bounded and shows the last item at the end',
  async (r) => {
    const { page } = r;
    await openPlayground(r);
    const count = 2000;
    await sendBatch(page, rolesBatch(count), count);
    assert.ok((await page.locator('#items > li').count()) <= MOST_ROWS);
    await scrollResults(page, 'end');
    const last = page.locator(`#items > li[data-index="${count - 1}"]`);
    assert.ok(await inView(last), 'the last item is in view');
    assert.match(await shown(last), new RegExp(`^#${count - 1}\\s+200\\s+GET Roles`));
    assert.ok((await page.locator('#items > li').count()) <= MOST_ROWS);
    await assertStacked(page);
    await r.shoot('54-window-phone-end-390x844-light');
  },
  { context: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
);

it('places items of different heights (failed ones open) without gaps or overlaps, at the end and after the width changes', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const count = 1000;
  await sendBatch(page, rolesBatch(count, 3), count);
  assert.match(await shown(page.locator('#summary')), /667 succeeded[\s\S]*333 failed/);
  await assertStacked(page);
  await scrollResults(page, 'end');
  const last = page.locator(`#items > li[data-index="${count - 1}"]`);
  assert.ok(await inView(last), 'the last item is in view');
  // Item 999 is the 999th read: every third fails, with its message and its body open.
  assert.is(await last.getAttribute('data-status'), '404');
  assert.match(await shown(last), /NOT_FOUND Role "Nope" does not exist in this session/);
  await assertStacked(page);
  await r.shoot('55-window-mixed-end-1280x720-light');
  // Narrower, the rows wrap and are measured again as they are drawn.
  await page.setViewportSize({ width: 1000, height: 720 });
  await frames(page);
  await frames(page);
  await assertStacked(page);
  await scrollResults(page, 'end');
  assert.ok(await inView(last), 'the last item is in view');
  await assertStacked(page);
});

test.run();
