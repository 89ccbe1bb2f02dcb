// The find in the playground's results (packages/playground/browser/result-find.ts). The items are a
// windowed list, so the browser's find in page (Ctrl+F) sees only the few items drawn: a value in
// item 2500 of a 3000-item batch was found by no one. The page's own find searches every item,
// drawn or not, draws and opens the one it goes to, and leaves Ctrl+F elsewhere to the browser.
import 'reflect-metadata';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BrowserRun, openPlayground, sendAndWait, shown, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

/** Items whose body names a role of their own (each answers it, body closed: the item succeeded). */
const ZEBRAS = [40, 2500, 2999];

/**
 * An Exago batch of `count` items: a session, then reads of the role MyRole, except the items of
 * `zebras`, which each add a role `Zebra<index>` (its body, closed at first, is the only place the
 * name shows).
 */
function zebraBatch(count: number, zebras: readonly number[]): string {
  const items = Array.from({ length: count }, (_, i) => {
    if (i === 0) return { Url: 'Sessions', Method: 'POST' };
    if (zebras.includes(i)) return { Url: 'Roles', Method: 'POST', Payload: { Id: `Zebra${i}`, IsActive: false } };
    return { Url: 'Roles/MyRole', Method: 'GET' };
  });
  return JSON.stringify(items);
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

/** Waits until the find's count reads `text` (a search counts in slices, items arrive in frames). */
async function countIs(page: Page, text: string): Promise<void> {
  await page.waitForFunction((text) => document.getElementById('find-count')?.textContent === text, text, { timeout: 20_000 });
}

/** Records, for each Ctrl+F the page gets, whether something on the page took it from the browser. */
function recordFindKeys(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const taken: boolean[] = [];
    (window as unknown as { taken: boolean[] }).taken = taken;
    // On the window, in the bubbling phase: after every listener of the page.
    window.addEventListener('keydown', (event) => {
      if (event.key.toLowerCase() === 'f' && (event.ctrlKey || event.metaKey)) taken.push(event.defaultPrevented);
    });
  });
}

function takenKeys(page: Page): Promise<boolean[]> {
  return page.evaluate(() => (window as unknown as { taken: boolean[] }).taken.splice(0));
}

/**
 * The current match: its item, its text, whether it is outlined and underlined, whether the whole
 * of it is in view (inside its `<pre>`, inside the results' box, below the find bar), and the
 * matches highlighted in the document.
 */
function currentMatch(page: Page) {
  return page.evaluate(() => {
    const marks = document.querySelectorAll('#items mark.find-match');
    const mark = document.querySelector<HTMLElement>('#items mark.find-match.current');
    if (mark === null) return { marks: marks.length, item: undefined };
    const at = mark.getBoundingClientRect();
    const panel = document.getElementById('results')!;
    const clip = getComputedStyle(panel).overflowY === 'auto' ? panel.getBoundingClientRect() : { top: 0, bottom: innerHeight };
    const pre = mark.closest('pre')?.getBoundingClientRect() ?? clip;
    const bar = document.getElementById('find')!.getBoundingClientRect();
    const style = getComputedStyle(mark);
    const item = mark.closest<HTMLElement>('#items > li')!;
    const details = mark.closest('details');
    return {
      marks: marks.length,
      item: Number(item.dataset.index),
      text: mark.textContent,
      inView:
        at.height > 0 &&
        at.top >= Math.max(clip.top, pre.top, bar.bottom) - 1 &&
        at.bottom <= Math.min(clip.bottom, pre.bottom, innerHeight) + 1,
      open: details === null || details.open,
      outlined: style.outlineStyle === 'solid' && Number.parseFloat(style.outlineWidth) >= 2,
      underlined: style.textDecorationLine.includes('underline'),
    };
  });
}

/** Sends the 3000-item batch and opens the find with Ctrl+F from an item. */
async function findIn3000(r: BrowserRun, page: Page = r.page): Promise<void> {
  await openPlayground(r, page);
  await recordFindKeys(page);
  await sendBatch(page, zebraBatch(3000, ZEBRAS), 3000);
  assert.is(await page.locator('#items > li[data-index="2500"]').count(), 0, 'item 2500 is not drawn');
  // A click on an item puts the focus in the results.
  await page.locator('#items > li[data-index="1"] .item-head').click();
  await page.keyboard.press('ControlOrMeta+F');
  assert.ok(await page.locator('#find').isVisible(), 'the find is open');
  assert.ok(await page.locator('#find-input').evaluate((input) => input === document.activeElement), 'the find field has the focus');
}

it('finds a value in item 2500 of 3000 (not drawn), draws it, opens its body, scrolls it into view and highlights it', async (r) => {
  const { page } = r;
  await findIn3000(r);
  assert.equal(await takenKeys(page), [true], 'Ctrl+F in the results opens the find, not the browser’s');

  // Case-insensitive: the body says Zebra2500.
  await page.locator('#find-input').fill('ZEBRA2500');
  await countIs(page, '1 of 1');
  await frames(page);
  const found = await currentMatch(page);
  assert.equal(found, { marks: 1, item: 2500, text: 'Zebra2500', inView: true, open: true, outlined: true, underlined: true });
  assert.is(await page.locator('#find-status').textContent(), '1 of 1, in item #2500');
  assert.ok((await page.locator('#items > li').count()) <= 60, 'still a window of the items');
  await r.shoot('70-find-item-2500-of-3000-1280x720-light');

  // Three items name a zebra: the search goes on from the current match; Enter, Shift+Enter and
  // the buttons go round past either end.
  await page.locator('#find-input').fill('zebra');
  await countIs(page, '2 of 3');
  assert.is((await currentMatch(page)).item, 2500);
  const visit: Array<[string, string, number]> = [
    ['Enter', '3 of 3', 2999],
    ['Enter', '1 of 3', 40],
    ['Shift+Enter', '3 of 3', 2999],
    ['Shift+Enter', '2 of 3', 2500],
    ['previous', '1 of 3', 40],
    ['previous', '3 of 3', 2999],
    ['next', '1 of 3', 40],
  ];
  for (const [key, count, item] of visit) {
    if (key === 'previous' || key === 'next')
      await page.getByRole('button', { name: `${key === 'next' ? 'Next' : 'Previous'} match` }).click();
    else await page.locator('#find-input').press(key);
    await countIs(page, count);
    await frames(page);
    const match = await currentMatch(page);
    assert.equal([match.item, match.text, match.inView, match.open], [item, 'Zebra', true, true], `${key}: ${count}`);
    assert.is(await page.locator('#find-status').textContent(), `${count}, in item #${item}`);
  }

  // Nothing found: said so, nothing highlighted.
  await page.locator('#find-input').fill('no such text');
  await countIs(page, 'No results');
  assert.is(await page.locator('#find-status').textContent(), 'No results');
  assert.is(await page.locator('#items mark').count(), 0);

  // Every match in the items drawn is highlighted: each read of MyRole names it twice (its request
  // and its body), 2996 such items.
  await page.locator('#find-input').focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('myrole');
  await page.waitForFunction(() => /^\d+ of 5992$/.test(document.getElementById('find-count')?.textContent ?? ''));
  const drawn = await page
    .locator('#items > li[data-status="200"]')
    .evaluateAll((rows) =>
      rows.map((li) => [li.querySelector('.item-request')?.textContent, li.querySelectorAll('.item-request mark.find-match').length]),
    );
  for (const [request, marks] of drawn) assert.is(marks, request === 'GET Roles/MyRole' ? 1 : 0, `${request}`);
  await r.shoot('72-find-every-match-drawn-1280x720-light');

  // Escape closes the find, takes the highlights away and puts the focus on the item found.
  await page.locator('#find-input').fill('zebra2999');
  await countIs(page, '1 of 1');
  await page.keyboard.press('Escape');
  assert.not.ok(await page.locator('#find').isVisible(), 'the find is closed');
  assert.is(await page.locator('#items mark').count(), 0);
  assert.is(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.index), '2999');
  // The list's keys go on from there.
  await page.keyboard.press('ArrowUp');
  assert.is(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.index), '2998');
  // Opened again, it holds the last search, selected.
  await page.keyboard.press('ControlOrMeta+F');
  assert.is(await page.locator('#find-input').inputValue(), 'zebra2999');
  await countIs(page, '1 of 1');
  assert.equal(await takenKeys(page), [true]);
});

it('leaves Ctrl+F to the browser in the request editor and elsewhere on the page', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await recordFindKeys(page);
  await sendBatch(page, zebraBatch(300, [250]), 300);
  assert.ok(await page.getByRole('button', { name: 'Find', exact: true }).isVisible());
  // The request editor.
  const editor = page.getByLabel('Batch JSON');
  await editor.focus();
  await page.keyboard.press('ControlOrMeta+F');
  // The page, outside the results (the focus on the body after a click on the heading).
  await page.locator('.top h1').click();
  await page.keyboard.press('ControlOrMeta+F');
  assert.equal(await takenKeys(page), [false, false], 'nothing took Ctrl+F');
  assert.not.ok(await page.locator('#find').isVisible(), 'the find stayed closed');
  // In the results, it is the results' find.
  await page.locator('#items > li[data-index="1"] .item-head').click();
  await page.keyboard.press('ControlOrMeta+F');
  assert.equal(await takenKeys(page), [true]);
  assert.ok(await page.locator('#find').isVisible());
  // Escape with nothing found puts the focus back where it was.
  await page.keyboard.press('Escape');
  assert.is(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.index), '1');
});

it('counts the items of a 10000-item batch that arrive while the find is open, and reaches the last ones', async (r) => {
  const { page } = r;
  await findIn3000(r);
  await page.locator('#find-input').fill('zebra');
  await countIs(page, '1 of 3');
  // Another batch, sent with the find open and its search typed: the count follows the items as
  // they arrive, a match is not jumped to while they do.
  await page.getByLabel('Batch JSON').fill(zebraBatch(10_000, [9990, 9991]));
  await sendAndWait(page, 50_000);
  assert.match(await shown(page.locator('#status-line')), /^200 · 10000 items · /);
  await countIs(page, '2 results');
  // The screen reader's status names no item of the batch before (it said "1 of 3, in item #40").
  assert.is(await page.locator('#find-status').textContent(), '');
  assert.is(await page.locator('#items > li[data-index="9990"]').count(), 0, 'not jumped to');
  await page.getByRole('button', { name: 'Next match' }).click();
  await countIs(page, '1 of 2');
  await frames(page);
  assert.equal((await currentMatch(page)).item, 9990);
  assert.ok((await currentMatch(page)).inView);
  await page.locator('#find-input').fill('zebra9991');
  await countIs(page, '1 of 1');
  await frames(page);
  const last = await currentMatch(page);
  assert.equal([last.item, last.inView, last.open], [9991, true, true]);
});

it('finds a capital Σ typed alone in a word that ends in it (ΟΔΟΣ: toLowerCase makes its last Σ a final ς), and İstanbul by istanbul', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const batch = [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles', Method: 'POST', Payload: { Id: 'ΟΔΟΣ', IsActive: false } },
    { Url: 'Roles', Method: 'POST', Payload: { Id: 'İstanbul', IsActive: false } },
  ];
  await page.getByLabel('Batch JSON').fill(JSON.stringify(batch));
  await sendAndWait(page);
  await page.getByRole('button', { name: 'Find' }).click();
  for (const [needle, count] of [
    ['Σ', '1 of 1'],
    ['σ', '1 of 1'],
    ['οδος', '1 of 1'],
    ['istanbul', '1 of 1'],
  ] as const) {
    await page.locator('#find-input').fill(needle);
    await countIs(page, count);
  }
});

it('finds on a phone (390x844), where the page scrolls the items and the find bar sticks to the top of the screen', async (r) => {
  const page = await r.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await openPlayground(r, page);
  await sendBatch(page, zebraBatch(300, [250]), 300);
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await page.locator('#find-input').fill('zebra250');
  await countIs(page, '1 of 1');
  await frames(page);
  const found = await currentMatch(page);
  assert.equal([found.item, found.inView, found.open], [250, true, true]);
  const bar = await page.locator('#find').boundingBox();
  assert.ok(bar !== null && Math.abs(bar.y) < 1, `the bar is at ${bar?.y}px, not the top of the screen`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the page is no wider than the screen');
  await r.shoot('75-find-phone-390x844-light', page);
});

it('shows the find in the dark colour scheme, opened by its button', async (r) => {
  const page = await r.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: 'dark' });
  await openPlayground(r, page);
  await sendBatch(page, zebraBatch(3000, ZEBRAS), 3000);
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  assert.is(await page.getByRole('button', { name: 'Find', exact: true }).getAttribute('aria-expanded'), 'true');
  await r.shoot('73-find-opened-1280x720-dark', page);
  await page.locator('#find-input').fill('myrole');
  await page.waitForFunction(() => / of 5992$/.test(document.getElementById('find-count')?.textContent ?? ''));
  await frames(page);
  await r.shoot('74-find-every-match-drawn-1280x720-dark', page);
  await page.locator('#find-input').fill('zebra2500');
  await countIs(page, '1 of 1');
  await frames(page);
  const found = await currentMatch(page);
  assert.equal([found.item, found.inView, found.outlined, found.underlined], [2500, true, true, true]);
  await r.shoot('71-find-item-2500-of-3000-1280x720-dark', page);
});

test.run();
