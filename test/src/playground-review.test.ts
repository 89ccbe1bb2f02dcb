// The playground in headless Chromium, on what a reviewer found: large batches drawn in linear
// time, a session call whose path has a query, every invalid JSON with its line and column, and
// "Add item" building items the server accepts.
import 'reflect-metadata';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { everyItem, openPlayground, sendAndWait, shown, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

it('draws a batch of 3000 items inserting only the rows in view, the timeline scaled to the last arrival', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const count = 3000;
  const batch = [{ Url: 'Sessions', Method: 'POST' }, ...Array.from({ length: count - 1 }, () => ({ Url: 'Roles', Method: 'GET' }))];
  await page.getByLabel('Batch JSON').fill(JSON.stringify(batch));
  // Count the rows the page inserts: the lists are windowed, so the rows in view, not one per item
  // (the first page redrew every row per item: n²/2; the next one inserted one per item: n).
  await page.evaluate(() => {
    const counts = { rows: 0, items: 0 };
    (window as unknown as { inserted: typeof counts }).inserted = counts;
    const watch = (id: string, key: keyof typeof counts) =>
      new MutationObserver((records) => {
        for (const record of records) counts[key] += record.addedNodes.length;
      }).observe(document.getElementById(id)!, { childList: true });
    watch('waterfall-rows', 'rows');
    watch('items', 'items');
  });
  // A hang guard, not a speed check: the old page took about 50 s for this batch.
  await sendAndWait(page, 15_000);
  assert.match(await shown(page.locator('#status-line')), new RegExp(`^200 · ${count} items · `));
  const inserted = await page.evaluate(() => (window as unknown as { inserted: { rows: number; items: number } }).inserted);
  assert.ok(inserted.rows > 0 && inserted.rows <= 60, `timeline rows inserted: ${inserted.rows}`);
  assert.ok(inserted.items > 0 && inserted.items <= 60, `items inserted: ${inserted.items}`);
  assert.is(await page.locator('#waterfall-rows > li').first().getAttribute('aria-setsize'), String(count));
  // The scale is the last arrival: the first bar starts at the track's left, the last ends at its
  // right (the timeline scrolls in its own box: scrolled to its end, the last row is drawn).
  const edge = (index: number) =>
    page.evaluate((index) => {
      const li = document.querySelector(`#waterfall-rows > li[aria-posinset="${index + 1}"]`)!;
      const track = li.querySelector('.track')!.getBoundingClientRect();
      const bar = li.querySelector('.bar')!.getBoundingClientRect();
      return { left: bar.left - track.left, right: track.right - bar.right };
    }, index);
  assert.ok(Math.abs((await edge(0)).left) < 1, `first bar starts at ${(await edge(0)).left}px`);
  await page.locator('.waterfall-box').evaluate((box) => {
    box.scrollTop = box.scrollHeight;
  });
  await page.locator(`#waterfall-rows > li[aria-posinset="${count}"]`).waitFor();
  const last = await edge(count - 1);
  // (It may pass the end by its minimum width, 3px, when the last item took no time.)
  assert.ok(last.right < 1 && last.right > -4, `last bar ends ${last.right}px before the track's end`);
  await r.shoot('30-large-batch-3000-1280x720-light');
});

for (const transport of ['HTTP', 'WebSocket'] as const) {
  it(`calls a path with its own query string with the session too, over ${transport}`, async (r) => {
    const { page } = r;
    await openPlayground(r);
    if (transport === 'WebSocket') await page.getByLabel('WebSocket').check();
    await sendAndWait(page);
    const sid = await shown(page.locator('#session-id'));
    await page.getByLabel('Path', { exact: true }).fill('/rest/Roles?x=1');
    await page.getByRole('button', { name: 'Call with session' }).click();
    await page.locator('#call-result pre').waitFor();
    const answer = await shown(page.locator('#call-result'));
    assert.match(answer, new RegExp(`^200 GET /rest/Roles\\?x=1&sid=${sid}`));
    assert.match(answer, /"MyRole"/);
    await r.shoot(`31-session-call-query-${transport.toLowerCase()}-1280x720-light`);
  });
}

it('shows the line and column of every invalid JSON, a trailing comma included', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const cases: Array<[text: string, line: number, column: number]> = [
    ['[{"Url":"Sessions","Method":"POST"},\n]', 2, 1],
    ['[\n  {"Url": "Sessions", "Method": "POST",}\n]', 2, 40],
    ["[{'Url': 'Sessions'}]", 1, 3],
    ['[{"Url" "Sessions"}]', 1, 9],
    ['[1 2]', 1, 4],
    ['[\n  "abc\n]', 2, 7],
    ['[tru]', 1, 2],
    ['[01]', 1, 3],
    ['[] x', 1, 4],
    ['[{"Url": "Sessions"', 1, 20],
    ['', 1, 1],
  ];
  const error = page.locator('#batch-error');
  for (const [text, line, column] of cases) {
    await page.getByLabel('Batch JSON').fill(text);
    assert.match(await shown(error), new RegExp(`^Invalid JSON at line ${line}, column ${column}: \\S`), JSON.stringify(text));
  }
  await page.getByLabel('Batch JSON').fill(cases[0]![0]);
  await r.shoot('32-trailing-comma-1280x720-light');
});

const ENDPOINT_PATHS = { '/rest/batch': 'exago', '/rest/claim/v1/batch': 'guidewire', '/rest/claim/v1/$batch': 'odata' } as const;

for (const [endpoint, dialect] of Object.entries(ENDPOINT_PATHS)) {
  it(`adds an item for every route of ${endpoint} that the server accepts (no VALIDATION_FAILED), placeholders flagged first`, async (r) => {
    const { page } = r;
    await openPlayground(r);
    await page.getByLabel('Endpoint').selectOption(endpoint);
    const editor = page.getByLabel('Batch JSON');
    // Exago's batch starts with its seed (POST Sessions); the others start empty.
    if (endpoint !== '/rest/batch') await editor.fill('');
    // Exago allows POST Sessions only first, where the seed has it.
    const labels = (await page.locator('#route option').allInnerTexts()).filter(
      (l) => !(endpoint === '/rest/batch' && l === 'POST Sessions'),
    );
    assert.ok(labels.length > 3, labels.join(', '));
    for (const label of labels) {
      await page.getByLabel('Route to add').selectOption({ label });
      await page.getByRole('button', { name: 'Add item' }).click();
    }
    let text = await editor.inputValue();
    assert.not.match(text, /<matching /);
    const placeholder = /"[^"]*(\{[A-Za-z]\w*\})[^"]*"/.exec(text);
    if (endpoint === '/rest/batch') assert.is(placeholder, null);
    else {
      // The claim API has /notes/{noteId} and no sample note: the editor names the placeholder.
      assert.is(placeholder?.[1], '{noteId}');
      assert.match(await shown(page.locator('#batch-error')), /replace \{noteId\} in its path with a value/);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      assert.match(await shown(page.locator('#status-line')), /Not sent: fix the batch first/);
      assert.is(r.batches.length, 0);
      text = text.replaceAll('{noteId}', 'no-such-note');
      await editor.fill(text);
    }
    assert.is(await shown(page.locator('#batch-error')), '');
    await sendAndWait(page);
    // Every item, also those out of view (the list is windowed).
    const items = await everyItem(page);
    const count = endpoint === '/rest/batch' ? labels.length + 2 : labels.length;
    assert.equal(
      items.map((item) => item.index),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.equal(
      items.filter((item) => /VALIDATION_FAILED/.test(item.message)),
      [],
    );
    await r.shoot(`33-add-every-route-${dialect}-1280x720-light`);
  });
}

test.run();
