import { FindIndex, foldCase, type Match } from './find-index.js';
import { clearMatches, highlightMatches } from './highlight-matches.js';
import type { ItemList } from './item-list.js';
import { scrollingBox } from './virtual-list.js';

/** The elements of the find in the results (playground.html). */
export interface ResultFindElements {
  /** The results panel: Ctrl+F (⌘+F) with the focus inside it opens the find. */
  readonly panel: HTMLElement;
  /** The find bar, hidden while the find is closed. */
  readonly bar: HTMLElement;
  readonly input: HTMLInputElement;
  /** "3 of 17", "No results": shown, not read out (the status says it). */
  readonly count: HTMLElement;
  /** A live region: the count and the item of the current match, read out when they change. */
  readonly status: HTMLElement;
  readonly previous: HTMLButtonElement;
  readonly next: HTMLButtonElement;
  readonly close: HTMLButtonElement;
  /** The button that opens the find (shown while there are items). */
  readonly opener: HTMLButtonElement;
  /** The items' list element. */
  readonly list: HTMLElement;
}

/**
 * Longest a search works in one task, in ms, before it lets the page answer input: counting the
 * matches in 10 000 items is a few slices (the first search of a batch, which folds every item's
 * text, a few more), and typing restarts it.
 */
const SLICE_MS = 8;

/** Whether `event` is Ctrl+F (⌘+F): its key, or its key's place on a keyboard whose letters are not Latin. */
function isFindKey(event: KeyboardEvent): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
  const key = event.key.toLowerCase();
  return key === 'f' || (!/^[a-z]$/.test(key) && event.code === 'KeyF');
}

/**
 * The find in the results: it searches every item of the batch, drawn or not, the way a
 * virtualized editor's find does (the browser's find in page sees only the items drawn).
 *
 * - Ctrl+F (⌘+F) with the focus in the results panel, or its Find button, opens it; anywhere else
 *   (the request editor, the rest of the page) Ctrl+F stays the browser's.
 * - It matches case-insensitively the text each item shows: index, status, request, marks, time,
 *   message, and the headers and body as drawn, open or closed ({@link FindIndex}, over
 *   `entryParts`). Enter / Shift+Enter and the buttons go to the next / previous match, past the
 *   end to the start; typing goes to the first match at or after the current one (or the first
 *   item in view).
 * - Going to a match draws its item, opens its headers or body when the match is in them, and
 *   scrolls the match to the middle of the view when it is not in view already (in its `<pre>`
 *   too). Every match in the items drawn is highlighted, the current one outlined as well.
 * - Matches are counted in slices of at most {@link SLICE_MS} ms; items arriving while the find is
 *   open are counted as they come, and the count follows.
 * - Escape closes it and puts the focus on the item of the current match (or back where it was).
 */
export function attachResultFind(ui: ResultFindElements, items: ItemList): void {
  const index = new FindIndex((item) => items.texts(item));
  let open = false;
  let current: Match | undefined;
  /** After a new search: the item from which the first match counted becomes the current one. */
  let anchor: number | undefined;
  /** A new search is still counting (the count says so). */
  let counting = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let returnTo: HTMLElement | undefined;

  const searching = () => open && index.needle !== '';

  const paint = (item: number, row: HTMLElement): HTMLElement | undefined => {
    if (!searching()) {
      clearMatches(row);
      return undefined;
    }
    const { parts, folded } = index.item(item);
    return highlightMatches(row, parts, folded, index.needle, current?.item === item ? current.nth : -1);
  };
  const repaint = () => {
    for (const [item, row] of items.drawn()) paint(item, row);
  };

  /** Shows the count, and says it (with the match's item) when `announce`. */
  const update = (announce: boolean) => {
    const total = index.total;
    let text: string;
    if (index.needle === '') text = '';
    else if (counting) text = 'Searching…';
    else if (total === 0) text = 'No results';
    else if (current !== undefined) text = `${index.position(current)} of ${total}`;
    else text = total === 1 ? '1 result' : `${total} results`;
    ui.count.textContent = text;
    ui.bar.classList.toggle('nothing', text === 'No results');
    if (announce) ui.status.textContent = current === undefined ? text : `${text}, in item #${items.arrival(current.item).view.index}`;
  };

  /** Scrolls `mark` to the middle of `box`'s visible part (from `top` to `bottom`, px in the window) unless it is all in it. */
  const centre = (mark: HTMLElement, box: Element, top: number, bottom: number) => {
    const at = mark.getBoundingClientRect();
    if (at.top >= top && at.bottom <= bottom) return;
    box.scrollTop += (at.top + at.bottom) / 2 - (top + bottom) / 2;
  };

  const bringIntoView = (mark: HTMLElement) => {
    const pre = mark.closest('pre');
    if (pre !== null && pre.scrollHeight > pre.clientHeight) {
      const edge = pre.getBoundingClientRect().top + pre.clientTop;
      centre(mark, pre, edge, edge + pre.clientHeight);
    }
    const box = scrollingBox(ui.list);
    const page = box === document.scrollingElement || box === document.documentElement;
    const edge = page ? 0 : box.getBoundingClientRect().top + box.clientTop;
    const bottom = page ? window.innerHeight : edge + box.clientHeight;
    // The bar sticks to the top of the box once the items are scrolled under it (it may not yet,
    // where it is now): a match under it is not in view.
    centre(mark, box, edge + ui.bar.offsetHeight, bottom);
  };

  const show = (match: Match) => {
    current = match;
    repaint();
    const row = items.draw(match.item);
    if (row === undefined) return;
    const where = index.locate(match);
    const part = where === undefined ? undefined : index.item(match.item).parts[where.part];
    if (part === 'headers' || part === 'body') items.open(match.item, part);
    const mark = row.querySelector<HTMLElement>('mark.current');
    if (mark !== null) bringIntoView(mark);
  };

  /** Counts a slice of items; the first match from the anchor becomes the current one. */
  const step = () => {
    timer = undefined;
    const end = performance.now() + SLICE_MS;
    index.scan(() => performance.now() >= end);
    if (anchor !== undefined) {
      const match = index.firstFrom(anchor) ?? (index.done ? index.following(anchor, -1, 1) : undefined);
      if (match !== undefined || index.done) anchor = undefined;
      if (match !== undefined) show(match);
    }
    const finished = counting && index.done;
    if (index.done) counting = false;
    update(finished);
    if (!index.done) timer = setTimeout(step, 0);
  };

  const stop = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  /** Searches for what the field holds, from the current match (or the first item in view). */
  const restart = () => {
    stop();
    index.search(foldCase(ui.input.value));
    anchor = current?.item ?? items.topIndex();
    current = undefined;
    counting = index.needle !== '';
    repaint();
    if (counting) step();
    else update(true);
  };

  const go = (direction: 1 | -1) => {
    if (!searching()) return;
    anchor = undefined;
    const match =
      current === undefined
        ? index.following(items.topIndex(), direction > 0 ? -1 : 0, direction)
        : index.following(current.item, current.nth, direction);
    if (match !== undefined) show(match);
    update(true);
  };

  const openFind = () => {
    if (!open) {
      open = true;
      const active = document.activeElement;
      returnTo = active instanceof HTMLElement && active !== document.body ? active : undefined;
      ui.bar.hidden = false;
      ui.opener.setAttribute('aria-expanded', 'true');
      if (ui.input.value !== '') restart();
    }
    ui.input.focus();
    ui.input.select();
  };

  const closeFind = () => {
    if (!open) return;
    open = false;
    stop();
    const at = current;
    current = undefined;
    anchor = undefined;
    counting = false;
    repaint();
    ui.bar.hidden = true;
    ui.opener.setAttribute('aria-expanded', 'false');
    ui.status.textContent = '';
    // The item of the current match is in view: the keys of the list go on from there.
    const target = (at === undefined ? undefined : items.draw(at.item)) ?? (returnTo?.isConnected ? returnTo : ui.panel);
    target.focus();
  };

  items.observe({
    drawn(item, row) {
      if (searching()) paint(item, row);
    },
    added() {
      index.added();
      ui.opener.hidden = false;
      if (searching()) timer ??= setTimeout(step, 0);
    },
    cleared() {
      stop();
      index.clear();
      current = undefined;
      anchor = undefined;
      // The item it named is gone: nothing stale is left for a screen reader. The count of a new
      // batch is shown as its items arrive, not read out at each (it is said on the next move).
      ui.status.textContent = '';
      counting = false;
      ui.opener.hidden = true;
      if (open) update(false);
    },
  });

  ui.panel.addEventListener('keydown', (event) => {
    if (isFindKey(event) && (items.length > 0 || open)) {
      event.preventDefault();
      openFind();
    } else if (event.key === 'Escape' && open && !event.isComposing && !event.defaultPrevented) {
      event.preventDefault();
      closeFind();
    }
  });
  ui.input.addEventListener('input', restart);
  ui.input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    go(event.shiftKey ? -1 : 1);
  });
  ui.previous.addEventListener('click', () => go(-1));
  ui.next.addEventListener('click', () => go(1));
  ui.close.addEventListener('click', closeFind);
  ui.opener.addEventListener('click', openFind);
}
