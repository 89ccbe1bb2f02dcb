// The batch playground (GET /playground on the example server) in headless Chromium: sending over
// HTTP and WebSocket, marks, rejected batches, checks before sending, curl, links and the keyboard.
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

async function chooseExample(page: Page, name: string): Promise<void> {
  await page.getByLabel('Example').selectOption({ label: name });
}

async function waitForItems(page: Page, count: number): Promise<void> {
  await page
    .locator('#items > li')
    .nth(count - 1)
    .waitFor();
  await page.locator('#results[aria-busy]').waitFor({ state: 'detached' });
}

it('sends the default Exago seed batch over HTTP and shows 201 then 204, the summary, the timeline and the session', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await r.shoot('01-loaded-1280x720-light');
  assert.equal(JSON.parse(await page.getByLabel('Batch JSON').inputValue()), [
    { Url: 'Sessions', Method: 'POST' },
    { Url: 'Roles/MyRole', Method: 'PATCH', Payload: { IsActive: true } },
  ]);
  const results = page.getByRole('region', { name: 'Results' });
  assert.is(await results.count(), 1);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 2);
  assert.equal(await statuses(page), ['201', '204']);
  assert.match(await shown(results.locator('#items > li').first()), /201[\s\S]*POST Sessions/);
  assert.match(await shown(page.locator('#summary')), /2 succeeded[\s\S]*0 failed[\s\S]*0 skipped/);
  assert.is(await page.locator('#waterfall-rows > li').count(), 2);
  assert.match(await shown(page.locator('#status-line')), /^200 · 2 items · [\d.]+ ms over HTTP$/);
  assert.match(await shown(page.locator('#session-id')), /^[0-9a-f]{32}$/);
  assert.is(r.batches.length, 1);
  assert.match(r.batches[0]!, /^POST \/rest\/batch 2 sub-requests succeeded=2 failed=0 skipped=0 .*\(ndjson\)$/);
  await r.shoot('02-seed-http-1280x720-light');
});

it('sends the seed batch over WebSocket and shows the same items', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await page.getByLabel('WebSocket').check();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 2);
  assert.equal(await statuses(page), ['201', '204']);
  assert.match(await shown(page.locator('#status-line')), /over WebSocket$/);
  assert.match(await shown(page.locator('#summary')), /2 succeeded/);
  assert.match(await shown(page.locator('#session-id')), /^[0-9a-f]{32}$/);
  await page.emulateMedia({ colorScheme: 'dark' });
  await r.shoot('03-seed-websocket-1280x720-dark');
});

it('uses the session the batch created for an ordinary call: the role the batch activated reads as active', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const call = page.getByRole('button', { name: 'Call with session' });
  assert.ok(await call.isDisabled(), 'no session before a batch');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 2);
  const sid = await shown(page.locator('#session-id'));
  await call.click();
  await page.locator('#call-result pre').waitFor();
  const answer = await shown(page.locator('#call-result'));
  assert.match(answer, new RegExp(`^200 GET /rest/Roles/MyRole\\?sid=${sid}`));
  assert.match(answer, /"IsActive": true/);
  await r.shoot('04-session-call-1280x720-light');
});

it('marks the item a failing Guidewire batch with onFail "abort" skipped', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await chooseExample(page, 'Guidewire: onFail "abort" skips the rest');
  assert.is(await page.getByLabel('Endpoint').inputValue(), '/rest/claim/v1/batch');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 2);
  assert.equal(await statuses(page), ['404', '424']);
  const skipped = page.locator('#items > li').nth(1);
  assert.is(await skipped.getAttribute('data-mark'), 'skipped');
  assert.ok(await skipped.locator('.mark', { hasText: 'Skipped' }).isVisible());
  assert.match(await shown(skipped), /SKIPPED Skipped: sub-request 0 failed/);
  assert.match(await shown(page.locator('#summary')), /0 succeeded[\s\S]*1 failed[\s\S]*1 skipped/);
  assert.match((await page.locator('#waterfall-rows > li').nth(1).getAttribute('aria-label')) ?? '', /Skipped/);
  await r.shoot('05-guidewire-abort-skipped-1280x720-light');
});

it('marks the members of a failed OData atomicity group rolled back', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await chooseExample(page, 'OData: atomicity group rolled back');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 3);
  assert.equal(await statuses(page), ['424', '404', '200']);
  const first = page.locator('#items > li').first();
  assert.is(await first.getAttribute('data-mark'), 'rolled-back');
  assert.ok(await first.locator('.mark', { hasText: 'Rolled back' }).isVisible());
  // content-type and content-language (OData Protocol §9.4: a failed item says the language of its message)
  assert.match(await shown(first), /Headers \(2\)/);
  await r.shoot('06-odata-rolled-back-1280x720-light');
});

for (const transport of ['HTTP', 'WebSocket'] as const) {
  it(
    `shows the error of a batch rejected whole, over ${transport}`,
    async (r) => {
      const { page } = r;
      await openPlayground(r);
      await chooseExample(page, 'Exago: rejected (no POST Sessions first)');
      if (transport === 'WebSocket') await page.getByLabel('WebSocket').check();
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await shown(alert);
      assert.match(text, /Batch rejected \(400\): BATCH_RULE_VIOLATION/);
      assert.match(text, /the first call of a batch must be POST Sessions/);
      assert.is(await page.locator('#items > li').count(), 0);
      assert.match(await shown(page.locator('#status-line')), new RegExp(`^400 · rejected · [\\d.]+ ms over ${transport}$`));
      await r.shoot(`07-rejected-${transport.toLowerCase()}-1280x720-light`);
    },
    // fetch reports the 400 on the console; the WebSocket message does not.
    { expectErrors: transport === 'HTTP' ? [/Failed to load resource: the server responded with a status of 400/] : [] },
  );
}

it('shows an invalid batch as an error while it is typed, and does not send it', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const editor = page.getByLabel('Batch JSON');
  await editor.focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Backspace'); // the closing bracket
  await page.keyboard.type(',');
  const error = page.locator('#batch-error');
  assert.match(await shown(error), /^Invalid JSON at line 13, column 2: Unexpected end of JSON input/);
  assert.is(await editor.getAttribute('aria-invalid'), 'true');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  assert.match(await shown(page.locator('#status-line')), /Not sent: fix the batch first/);
  assert.is(r.batches.length, 0, 'nothing reached the server');
  await r.shoot('08-invalid-json-1280x720-light');
  // Valid JSON in the wrong envelope is caught too.
  await editor.fill('{"requests": []}');
  assert.match(await shown(error), /exago batch must be a JSON array/);
  await editor.fill('[{"Url": "Sessions"}]');
  assert.match(await shown(error), /Item 0 needs "Method"/);
});

it('copies the batch as a curl command that a shell runs to the same answer, quotes included', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const batch = [
    { Url: 'Sessions', Method: 'POST' },
    {
      Url: 'Parameters',
      Method: 'POST',
      Payload: { Id: "O'Brien's $HOME `x`", DataType: 'String', Value: 'a "b" \\ c', PromptText: "it's" },
    },
    { Url: 'Parameters', Method: 'GET' },
  ];
  await page.getByLabel('Batch JSON').fill(JSON.stringify(batch, null, 2));
  await page.getByLabel('Query string').fill('onFail=stop');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(page, 3);
  const pres = await page.locator('#items > li pre').evaluateAll((pres) => pres.map((p) => p.textContent));
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  const command = await page.getByLabel('curl command').inputValue();
  assert.match(command, /^curl -sS -N -g -X POST 'http:\/\/127\.0\.0\.1:\d+\/rest\/batch\?onFail=stop'/);
  await r.shoot('09-curl-1280x720-light');
  const { stdout } = await run('bash', ['-c', command], { timeout: 10_000 });
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.at(-1), { summary: { succeeded: 3, failed: 0, skipped: 0 } });
  const items = lines.slice(0, -1) as Array<{ ReturnCode: string; ResponseContent: unknown }>;
  assert.equal(
    items.map((i) => i.ReturnCode),
    await statuses(page),
  );
  // The same answer: the created parameter (and the listed ones) read back exactly as the page showed them.
  const bodies = pres.filter((_, i) => i % 2 === 1);
  assert.equal(JSON.parse(bodies[1]!), items[1]!.ResponseContent);
  assert.equal(JSON.parse(bodies[2]!), items[2]!.ResponseContent);
  assert.equal((items[1]!.ResponseContent as { Id: string }).Id, "O'Brien's $HOME `x`");
});

it('puts the batch in a shareable link that restores it on load', async (r) => {
  const { page } = r;
  await openPlayground(r);
  await chooseExample(page, 'OData: create a claim, then read it by reference');
  await page.getByLabel('WebSocket').check();
  await page.getByLabel('Headers').fill('Prefer: continue-on-error=false');
  const edited = (await page.getByLabel('Batch JSON').inputValue()).replace('Hail damage', 'Hail damage — ünïcode ✓');
  await page.getByLabel('Batch JSON').fill(edited);
  await page.getByRole('button', { name: 'Copy share link' }).click();
  const link = page.url();
  assert.match(link, /\/playground#batch=[\w-]+$/);
  const other = await r.newPage();
  await openPlayground(r, other, link.slice(link.indexOf('#')));
  assert.is(await other.getByLabel('Batch JSON').inputValue(), edited);
  assert.is(await other.getByLabel('Endpoint').inputValue(), '/rest/claim/v1/$batch');
  assert.ok(await other.getByLabel('WebSocket').isChecked());
  assert.is(await other.getByLabel('Headers').inputValue(), 'Prefer: continue-on-error=false');
  await other.getByRole('button', { name: 'Send', exact: true }).click();
  await waitForItems(other, 2);
  assert.equal(await statuses(other), ['201', '200']);
  assert.match((await other.locator('#items > li').nth(1).textContent()) ?? '', /ünïcode ✓/);
  await r.shoot('10-shared-link-restored-1280x720-light', other);
});

it('works from the keyboard alone: Tab reaches every control, Enter on Send and Ctrl+Enter in the editor send', async (r) => {
  const { page } = r;
  await openPlayground(r);
  // Every control has a label (its accessible name).
  const unlabelled = await page.locator('input, select, textarea, button').evaluateAll((controls) =>
    controls
      .filter((c) => {
        const el = c as HTMLInputElement;
        const named = (el.labels?.length ?? 0) > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !named && !(el.tagName === 'BUTTON' && el.textContent?.trim());
      })
      .map((c) => c.outerHTML),
  );
  assert.equal(unlabelled, []);
  const reached: string[] = [];
  for (let i = 0; i < 30 && !reached.includes('send'); i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement?.id ?? ''));
  }
  for (const id of ['endpoint', 'example', 'query', 'headers', 'route', 'add-item', 'batch', 'send']) assert.ok(reached.includes(id), id);
  await page.keyboard.press('Enter');
  await waitForItems(page, 2);
  assert.equal(await statuses(page), ['201', '204']);
  // Ctrl+Enter from the editor sends again (a new session, the same statuses).
  await page.getByLabel('Batch JSON').focus();
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => document.querySelectorAll('#items > li').length === 2 && !document.querySelector('#results[aria-busy]'));
  assert.is(r.batches.length, 2);
  assert.equal(await statuses(page), ['201', '204']);
  await r.shoot('11-keyboard-1280x720-light');
});

it('completes paths, methods and payload fields from the OpenAPI document, and adds items from the list of routes', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const editor = page.getByLabel('Batch JSON');
  await editor.fill('[{"Url": "Sessions", "Method": "POST"}, {"Url": "Param');
  await editor.press('End');
  await editor.press('Control+Space');
  const options = page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');
  assert.equal(await options.allInnerTexts(), ['Parameters GET POST', 'Parameters/MyParameter GET PATCH DELETE']);
  assert.is(await editor.getAttribute('aria-expanded'), 'true');
  await editor.press('Enter');
  assert.is(await editor.inputValue(), '[{"Url": "Sessions", "Method": "POST"}, {"Url": "Parameters');
  await editor.press('End');
  await page.keyboard.type('", "Method": "POST", "Payload": {"');
  await editor.press('Control+Space');
  const fields = await options.allInnerTexts();
  assert.ok(
    fields.some((f) => f.startsWith('DataType "String" | "Date"')),
    fields.join(', '),
  );
  assert.ok(
    fields.some((f) => f.startsWith('PromptText')),
    fields.join(', '),
  );
  await r.shoot('12-completion-1280x720-light');
  await editor.press('Escape');
  assert.is(await page.getByRole('listbox', { name: 'Suggestions' }).count(), 0);
  // Typing inside a string opens the suggestions by itself; typing outside one (Enter is a new line) does not.
  await page.keyboard.type('Pro');
  assert.equal(await options.allInnerTexts(), ['PromptText string | null']);
  await editor.press('Tab');
  assert.match(await editor.inputValue(), /"Payload": \{"PromptText$/);
  await page.keyboard.type('": "x", ');
  assert.is(await page.getByRole('listbox', { name: 'Suggestions' }).count(), 0);
  await editor.press('Enter');
  assert.match(await editor.inputValue(), /"x", \n$/);
  // Add an item for a route: its required payload fields are filled in.
  await page.getByLabel('Example').selectOption({ index: 0 });
  await page.getByLabel('Route to add').selectOption({ label: 'POST Parameters' });
  await page.getByRole('button', { name: 'Add item' }).click();
  const items = JSON.parse(await editor.inputValue());
  assert.equal(items[2], { Url: 'Parameters', Method: 'POST', Payload: { Id: 'sample' } });
  assert.is(await shown(page.locator('#batch-error')), '');
});

for (const transport of ['HTTP', 'WebSocket'] as const) {
  let held: Gate | undefined;
  it(
    `shows items as they stream in over ${transport}: the first is on the page while the second still runs`,
    async (r) => {
      const { page } = r;
      const gate = held!;
      r.closing(() => gate.release());
      await openPlayground(r);
      if (transport === 'WebSocket') await page.getByLabel('WebSocket').check();
      await page.getByLabel('Batch JSON').fill('[{"Url": "Sessions", "Method": "POST"}, {"Url": "Slow/second", "Method": "POST"}]');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await gate.whenStarted('second');
      await page.locator('#items > li').first().waitFor();
      assert.equal(await statuses(page), ['201']);
      assert.is(await page.locator('#results').getAttribute('aria-busy'), 'true');
      await r.shoot(`13-streaming-${transport.toLowerCase()}-1280x720-light`);
      gate.release();
      await waitForItems(page, 2);
      assert.equal(await statuses(page), ['201', '201']);
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
}

test.run();
