// The results panel fits in the window. On a wide screen it sticks beside the form and its list
// scrolls inside it: the whole panel, its bottom edge and its last row included, is in the window
// before and after the page scrolls (it once took its height from the viewport without the
// header above it, and hung 35px below a 1280×720 window until the page scrolled). On a narrow
// screen the columns stack and the page scrolls the list.
import 'reflect-metadata';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, sendAndWait, shown, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

const COUNT = 300;

/** Waits two animation frames: what a scroll or a key changed is drawn. */
function frames(page: Page): Promise<unknown> {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** Where the results panel is (px, viewport), whether it scrolls its list itself, and the window's height. */
function panel(page: Page) {
  return page.evaluate(() => {
    const results = document.getElementById('results')!;
    const box = results.getBoundingClientRect();
    return { top: box.top, bottom: box.bottom, scrolls: getComputedStyle(results).overflowY === 'auto', innerHeight };
  });
}

/** Asserts that the results panel is wholly in the window (on a wide screen, where it holds its list). */
async function assertPanelInWindow(page: Page, when: string): Promise<void> {
  const at = await panel(page);
  assert.ok(at.top >= 0, `${when}: the panel's top is ${at.top}px, above the window`);
  assert.ok(at.bottom <= at.innerHeight, `${when}: the panel's bottom is ${at.bottom}px, below the ${at.innerHeight}px window`);
}

/** Scrolls every box around the results panel to its end (the page, and any box the layout scrolls in), not the panel. */
function scrollPageToEnd(page: Page): Promise<unknown> {
  return page.evaluate(async () => {
    const results = document.getElementById('results')!;
    const boxes: Element[] = [document.scrollingElement!];
    for (let node = results.parentElement; node !== null && node !== document.body; node = node.parentElement) {
      if (/auto|scroll/.test(getComputedStyle(node).overflowY)) boxes.push(node);
    }
    for (const box of boxes) box.scrollTop = box.scrollHeight;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

/** Whether item `index` is drawn and wholly inside the window and inside the panel's box when the panel scrolls. */
function lastInView(page: Page, index: number): Promise<boolean> {
  return page.evaluate((index) => {
    const row = document.querySelector(`#items > li[data-index="${index}"]`);
    if (row === null) return false;
    const box = row.getBoundingClientRect();
    const results = document.getElementById('results')!;
    const clip = getComputedStyle(results).overflowY === 'auto' ? results.getBoundingClientRect() : { top: 0, bottom: innerHeight };
    return box.height > 0 && box.top >= Math.max(0, clip.top) - 1 && box.bottom <= Math.min(innerHeight, clip.bottom) + 1;
  }, index);
}

/** Where the mouse wheel scrolls the results: the middle of the part of the panel in the window. */
async function overResults(page: Page): Promise<void> {
  const at = await page.evaluate(() => {
    const box = document.getElementById('results')!.getBoundingClientRect();
    const top = Math.max(0, box.top);
    const bottom = Math.min(innerHeight, box.bottom);
    return { x: box.left + box.width / 2, y: (top + bottom) / 2 };
  });
  await page.mouse.move(at.x, at.y);
}

for (const { width, height, stacked } of [
  { width: 1280, height: 720, stacked: false },
  { width: 1024, height: 768, stacked: false },
  { width: 800, height: 600, stacked: true },
]) {
  const size = `${width}x${height}`;
  it(
    stacked
      ? `at ${size} stacks the columns: the page scrolls the results, to the last item with the wheel and with End, and the panel's bottom into the window`
      : `at ${size} keeps the whole results panel in the window before and after the page scrolls, and its last item is reached with the wheel and with End`,
    async (r) => {
      const { page } = r;
      await openPlayground(r);
      const batch = [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: COUNT - 1 }, () => ({ Url: 'Roles', Method: 'GET' }))];
      await page.getByLabel('Batch JSON').fill(JSON.stringify(batch));
      await sendAndWait(page, 50_000);
      assert.match(await shown(page.locator('#status-line')), new RegExp(`^200 · ${COUNT} items · `));
      await frames(page);
      assert.is(
        (await panel(page)).scrolls,
        !stacked,
        stacked ? 'one column: the page scrolls the list' : 'two columns: the panel scrolls its list',
      );
      if (!stacked) await assertPanelInWindow(page, 'before the page scrolls');
      if (width === 1280) await r.shoot(`60-layout-results-top-${size}-light`);

      await scrollPageToEnd(page);
      if (!stacked) await assertPanelInWindow(page, 'the page scrolled to its end');
      if (width === 1280) await r.shoot(`61-layout-page-end-${size}-light`);

      // The wheel over the results, a step at a time, until the last item is in view (or the steps run out).
      const last = COUNT - 1;
      await overResults(page);
      let steps = 0;
      for (; steps < 300 && !(await lastInView(page, last)); steps++) {
        await page.mouse.wheel(0, 1500);
        await frames(page);
        if (stacked) await overResults(page);
      }
      assert.ok(await lastInView(page, last), `the last item is in the window after ${steps} turns of the wheel`);
      if (stacked) {
        await scrollPageToEnd(page);
        const at = await panel(page);
        assert.ok(
          at.bottom <= at.innerHeight,
          `the page at its end: the panel's bottom is ${at.bottom}px, in the ${at.innerHeight}px window`,
        );
      } else {
        await assertPanelInWindow(page, 'the list scrolled to its end');
      }
      if (width === 1280) await r.shoot(`62-layout-list-end-${size}-light`);

      // From the keyboard: Home to the first item, End to the last, each scrolled into the window.
      await page.locator('#items > li summary').first().focus();
      await page.keyboard.press('Home');
      await frames(page);
      assert.ok(await lastInView(page, 0), 'Home: the first item is in the window');
      await page.keyboard.press('End');
      await frames(page);
      assert.is(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.index), String(last));
      assert.ok(await lastInView(page, last), 'End: the last item is in the window');
      if (!stacked) await assertPanelInWindow(page, 'after End');
    },
    { context: { viewport: { width, height } } },
  );
}

test.run();
