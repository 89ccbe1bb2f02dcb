import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ExampleServer, type ExampleServerOptions, startExampleServer } from '@restbatch/example-server';
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import type { Test } from 'uvu';
import { Cleanup, guarded } from './guarded-test.js';
import { missingPrerequisite } from './missing-prerequisite.js';

/** Debian's Chromium (`apt-get install -y chromium`); `CHROMIUM_PATH` names another build. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Where the suites save a screenshot of each state (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));

/** What a browser test gets: the page, the example server it loaded, and what the page logged. */
export interface BrowserRun {
  readonly page: Page;
  readonly server: ExampleServer;
  /** One line per batch the server ran (its `log` option). */
  readonly batches: string[];
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  /** Opens another page on the same server (for links), with the same error capture. */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  /** Saves a screenshot of `page` (default: the test's page) as `test/screenshots/<name>.png`. */
  shoot(name: string, page?: Page): Promise<void>;
  /** Registers something to close after the test. */
  closing(close: () => unknown): void;
}

/** Per test: the server's options, the page's options, and console errors the test expects. */
export interface BrowserTestOptions {
  /** Options of the test's example server, made when the test starts. */
  server?: () => ExampleServerOptions;
  context?: BrowserContextOptions;
  /** Console errors that are part of what the test checks (such as a 400 the page shows). */
  expectErrors?: RegExp[];
}

const TEST_LIMIT_MS = 60_000;

/**
 * Registers a suite's Chromium: launched once before the tests, closed after. Each test gets a
 * fresh example server on a free port and a fresh browser context, closed in a `finally`; it fails
 * when the page logged a console error or threw. Without Chromium the suite is one failing test
 * ({@link missingPrerequisite}).
 */
export function useChromium(test: Test): (name: string, fn: (run: BrowserRun) => Promise<void>, options?: BrowserTestOptions) => void {
  let browser: Browser | undefined;
  if (!existsSync(CHROMIUM)) {
    missingPrerequisite(test, CHROMIUM, 'browser', 'apt-get install -y chromium, or set CHROMIUM_PATH');
    return () => undefined;
  }
  test.before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  test.after(async () => {
    await browser?.close();
  });
  return (name, fn, options = {}) =>
    test(name, async () => {
      const cleanup = new Cleanup();
      const errors: string[] = [];
      const batches: string[] = [];
      await guarded(
        async () => {
          const server = await startExampleServer({ port: 0, ...options.server?.(), log: (line) => batches.push(line) });
          cleanup.add(() => server.close());
          const open = async (context: BrowserContextOptions = {}) => {
            const ctx = await browser!.newContext({ viewport: { width: 1280, height: 720 }, ...options.context, ...context });
            cleanup.add(() => ctx.close());
            const page = await ctx.newPage();
            page.on('console', (m) => {
              if (m.type() === 'error') errors.push(`console: ${m.text()}`);
            });
            page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
            return page;
          };
          const page = await open();
          const run: BrowserRun = {
            page,
            server,
            batches,
            errors,
            newPage: open,
            shoot: async (shot, target = page) => {
              await target.screenshot({ path: `${SCREENSHOTS}${shot}.png`, fullPage: false });
            },
            closing: (close) => cleanup.add(close),
          };
          await fn(run);
          const unexpected = errors.filter((e) => !(options.expectErrors ?? []).some((re) => re.test(e)));
          if (unexpected.length > 0) throw new Error(`The page logged errors:\n${unexpected.join('\n')}`);
        },
        cleanup,
        TEST_LIMIT_MS,
      );
    });
}

/** Loads the playground and waits until it has read the OpenAPI document. */
export async function openPlayground(run: BrowserRun, page: Page = run.page, fragment = ''): Promise<void> {
  await page.goto(`${run.server.url}/playground${fragment}`);
  await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
}

/** One result item as {@link everyItem} reads it. */
export interface ShownItem {
  readonly index: number;
  readonly status: string;
  /** Its error code and message (`.item-message`), when it failed with one. */
  readonly message: string;
}

/**
 * Every result item, drawn or not: the list is windowed (only the rows near the view are in the
 * document), so this scrolls the results from the top to the end a view at a time, reading the
 * rows drawn at each step, then scrolls back to where they were.
 */
export function everyItem(page: Page): Promise<ShownItem[]> {
  return page.evaluate(async () => {
    const panel = document.getElementById('results')!;
    const box = getComputedStyle(panel).overflowY === 'auto' ? panel : document.scrollingElement!;
    const before = box.scrollTop;
    const seen = new Map<number, { index: number; status: string; message: string }>();
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    box.scrollTop = 0;
    for (let step = 0; step < 100_000; step++) {
      await frame();
      for (const li of Array.from(document.querySelectorAll<HTMLElement>('#items > li'))) {
        const index = Number(li.dataset.index);
        seen.set(index, { index, status: li.dataset.status ?? '', message: li.querySelector('.item-message')?.textContent ?? '' });
      }
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) break;
      box.scrollTop += box.clientHeight;
    }
    box.scrollTop = before;
    await frame();
    return [...seen.values()].sort((a, b) => a.index - b.index);
  });
}

/** The statuses of the result items drawn (all of them for a batch that fits in a view or two), in list order. */
export function statuses(page: Page): Promise<string[]> {
  return page.locator('#items > li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.status ?? ''));
}

/** The text of an element as the page renders it (Playwright's `innerText`: hidden parts left out). */
export function shown(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: what the user sees is the point, not the DOM's text
  return locator.innerText();
}

/** Clicks Send and waits until the status line names the answer's status (or says it failed): the batch is done and drawn. */
export async function sendAndWait(page: Page, timeout = 10_000): Promise<void> {
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.waitForFunction(() => /^(\d{3} · |Failed)/.test(document.querySelector('#status-line')?.textContent ?? ''), undefined, {
    timeout,
  });
}
