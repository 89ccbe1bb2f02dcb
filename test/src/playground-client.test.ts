// The typed client (@restbatch/client) in real Chromium, loaded as the playground loads it: the
// client's own ES modules through the page's import map, with the browser's fetch and WebSocket.
import 'reflect-metadata';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPlayground, useChromium } from './support/chromium-suite.js';

const it = useChromium(test);

it('runs the client over HTTP in the page: one tick is one batch, the Exago session is kept, results stream in', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const answer = await page.evaluate(async () => {
    const { createClient, httpTransport } = await import('@restbatch/client');
    type Loose = (path: string, init?: Record<string, unknown>) => Promise<{ ok: boolean; status: number; data?: unknown }>;
    const client = createClient({
      transport: httpTransport({ baseUrl: location.origin }),
      endpoints: { '/rest/batch': 'exago', '/rest/claim/v1/$batch': 'odata' },
    });
    const GET = client.GET as unknown as Loose;
    const POST = client.POST as unknown as Loose;
    const PATCH = client.PATCH as unknown as Loose;
    // Three claim reads in one tick: one OData batch.
    const claims = await Promise.all(
      ['cc:22', 'cc:22', 'cc:404'].map((id) => GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: id } } })),
    );
    // The Exago flow: a batch opened by POST Sessions, then an ordinary call with the session.
    const [session, role] = await Promise.all([
      POST('/rest/Sessions'),
      PATCH('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } }, body: { IsActive: true } }),
    ]);
    const read = await GET('/rest/Roles/{id}', { params: { path: { id: 'MyRole' } } });
    // An explicit batch with a reference; each call settles as its own line arrives.
    const settled: number[] = [];
    type Call = { result: Promise<{ status: number }>; ref(pointer: string): string };
    type Builder = { POST(path: string, init: unknown): Call; GET(path: string, init: unknown): Call };
    const batch = await client.batch((b) => {
      const builder = b as unknown as Builder;
      const created = builder.POST('/rest/claim/v1/claims', { body: { data: { attributes: { description: 'from Chromium' } } } });
      const again = builder.GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: created.ref('/body/data/id') } } });
      for (const [i, call] of [created, again].entries()) void call.result.then(() => settled.push(i));
      return [created, again];
    });
    return {
      node: typeof (globalThis as { process?: unknown }).process,
      claims: claims.map((c) => c.status),
      session: session.status,
      role: role.status,
      sid: client.session,
      read: read.data,
      batch: batch.results.map((x) => x.status),
      summary: batch.summary,
      settled,
    };
  });
  assert.is(answer.node, 'undefined', 'no Node globals in the page');
  assert.equal(answer.claims, [200, 200, 404]);
  assert.equal([answer.session, answer.role], [201, 204]);
  assert.match(answer.sid ?? '', /^[0-9a-f]{32}$/);
  assert.equal(answer.read, { Id: 'MyRole', IsActive: true });
  assert.equal(answer.batch, [201, 200]);
  assert.equal(answer.summary, { succeeded: 2, failed: 0, skipped: 0 });
  assert.equal(answer.settled, [0, 1]);
  // The server saw the three reads as one batch, and the Exago calls as another.
  const odata = r.batches.filter((l) => l.startsWith('POST /rest/claim/v1/$batch 3 sub-requests'));
  assert.is(odata.length, 1, r.batches.join('\n'));
  assert.ok(r.batches.some((l) => l.startsWith('POST /rest/batch 2 sub-requests')));
});

it('runs the client over the browser WebSocket in the page', async (r) => {
  const { page } = r;
  await openPlayground(r);
  const answer = await page.evaluate(async () => {
    const { createClient, wsTransport } = await import('@restbatch/client');
    type Loose = (path: string, init?: Record<string, unknown>) => Promise<{ ok: boolean; status: number; data?: unknown }>;
    const client = createClient({
      transport: wsTransport({ url: `ws://${location.host}/rest/ws` }),
      endpoints: { '/rest/claim/v1/batch': 'guidewire' },
    });
    const GET = client.GET as unknown as Loose;
    const both = await Promise.all([
      GET('/rest/claim/v1/claims/{claimId}', { params: { path: { claimId: 'cc:22' } } }),
      GET('/rest/claim/v1/claims/cc:22/activities'),
    ]);
    await client.close();
    const fetched = performance.getEntriesByType('resource').filter((e) => e.name.includes('/rest/claim/'));
    return { statuses: both.map((b) => b.status), fetched: fetched.length };
  });
  assert.equal(answer, { statuses: [200, 200], fetched: 0 });
  // The server logs WebSocket batches too, marked `(ws)`: every line is one, so nothing went over HTTP.
  assert.ok(r.batches.length > 0, 'the WebSocket batch was logged');
  assert.equal(
    r.batches.filter((line) => !line.endsWith(' (ws)')),
    [],
    'nothing went over HTTP',
  );
});

it('is readable on a phone (390x844) and follows the colour scheme, light and dark', async (r) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const page = await r.newPage({ viewport: { width: 390, height: 844 }, colorScheme, isMobile: true, hasTouch: true });
    await openPlayground(r, page);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#items > li').nth(1).waitFor();
    const layout = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      background: getComputedStyle(document.body).backgroundColor,
      resultsTop: document.getElementById('results')!.getBoundingClientRect().top,
    }));
    assert.ok(layout.overflow <= 0, `${colorScheme}: the page is ${layout.overflow}px wider than the screen`);
    assert.is(layout.background, colorScheme === 'dark' ? 'rgb(15, 20, 25)' : 'rgb(246, 247, 249)');
    assert.ok(layout.resultsTop >= 0 && layout.resultsTop < 844, 'the results are scrolled into view when sending');
    await r.shoot(`20-phone-390x844-${colorScheme}`, page);
    await page.getByLabel('Batch JSON').scrollIntoViewIfNeeded();
    await r.shoot(`21-phone-form-390x844-${colorScheme}`, page);
  }
  const wide = await r.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: 'dark' });
  await openPlayground(r, wide);
  assert.ok(await wide.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await r.shoot('22-loaded-1280x720-dark', wide);
});

test.run();
