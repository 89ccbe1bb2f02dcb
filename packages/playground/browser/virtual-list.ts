import { SizeTree } from './size-tree.js';

/** Options of {@link VirtualList}. */
export interface VirtualListOptions {
  /**
   * The list element. Its children are the rows near the view and nothing else, in index order,
   * placed absolutely at their offsets (its CSS makes it `position: relative` and them
   * `position: absolute`); its height is the whole list's, so its scrollbars are the whole list's.
   */
  readonly list: HTMLElement;
  /** Builds row `index` when it comes near the view (rows are built again after they leave it). */
  readonly render: (index: number) => HTMLElement;
  /** Space between two rows, in px. */
  readonly gap?: number;
  /** Told the height of each row it draws, once drawn (to estimate the rows still to come). */
  readonly measured?: (index: number, height: number) => void;
}

/** A scroll position in the coordinates of the list: the part of it in view. */
interface View {
  readonly top: number;
  readonly bottom: number;
}

/** Rows drawn beyond each edge of the view besides the margin, so that Tab always finds the next row drawn. */
const EXTRA_ROWS = 2;
/** Least margin drawn above and below the view, in px (the margin is otherwise one view's height). */
const LEAST_MARGIN = 200;

/**
 * A windowed list: of its rows, only those in view, one view's height above and below it, and the
 * row holding the focus with its neighbours are in the document; the list element's height holds
 * the place of the others, so a list of 100 000 rows costs the browser about as much as one of 40.
 *
 * Rows are measured when drawn (and by a ResizeObserver when they change, such as a `<details>`
 * opened), and a row not drawn yet counts as the height it was pushed with. The view is found from
 * the list's box and every box around it that clips it (the page, a scrolling panel), so the list
 * needs no scrolling box of its own. When rows above the view turn out taller or shorter than
 * counted, the nearest scrolling box is scrolled by the difference, so what is in view stays put.
 *
 * Each drawn row gets `aria-setsize` (the number of rows) and `aria-posinset` (its position from 1),
 * as WAI-ARIA 1.2 (§ aria-setsize) asks: "if only a portion of the set is present in the document
 * structure at a given moment (in order to reduce document size), this property is needed to
 * provide an explicit indication of set size". A screen reader then says "item 9 998 of 10 000".
 *
 * A list lives as long as the page (its listeners on the document are never removed): make one per
 * list element, and {@link clear} it for the next batch.
 */
export class VirtualList {
  readonly #list: HTMLElement;
  readonly #render: (index: number) => HTMLElement;
  readonly #gap: number;
  readonly #measured: ((index: number, height: number) => void) | undefined;
  readonly #sizes = new SizeTree();
  /** The drawn rows by index. */
  readonly #rows = new Map<number, HTMLElement>();
  readonly #indexOf = new WeakMap<Element, number>();
  /** The `top` each drawn row was last given, so an unchanged one is not written again. */
  readonly #tops = new WeakMap<Element, number>();
  readonly #observer: ResizeObserver;
  #queued = false;
  #frame: number | undefined;
  #width = -1;
  #setSize = 0;
  /** A row to draw whatever the view (while {@link reveal} brings it into view). */
  #revealing: number | undefined;

  constructor(options: VirtualListOptions) {
    this.#list = options.list;
    this.#render = options.render;
    this.#gap = options.gap ?? 0;
    this.#measured = options.measured;
    this.#observer = new ResizeObserver((entries) => this.#resized(entries));
    this.#observer.observe(this.#list);
    // Scroll events do not bubble, but they pass the document's capture phase: one listener hears
    // the page and every scrolling box around the list.
    document.addEventListener('scroll', this.#onScroll, { capture: true, passive: true });
    window.addEventListener('resize', this.#queue, { passive: true });
    // The row holding the focus is kept drawn; when the focus leaves the list, it may go.
    this.#list.addEventListener('focusin', this.#queue);
    this.#list.addEventListener('focusout', this.#onFocusOut);
  }

  /** How many rows the list has (drawn or not). */
  get length(): number {
    return this.#sizes.length;
  }

  /** Appends a row, counted as `estimate` px high until it is drawn and measured. */
  push(estimate: number): void {
    this.#sizes.push(estimate + this.#gap);
    this.#queue();
  }

  /** Removes every row. */
  clear(): void {
    for (const row of this.#rows.values()) {
      this.#observer.unobserve(row);
      row.remove();
    }
    this.#rows.clear();
    this.#sizes.clear();
    this.#setSize = 0;
    this.#list.style.height = '0px';
  }

  /** The index of the row `element` is in (or is), if it is a drawn row's. */
  indexOf(element: Element): number | undefined {
    for (let node: Element | null = element; node !== null; node = node.parentElement) {
      if (node.parentElement === this.#list) return this.#indexOf.get(node);
    }
    return undefined;
  }

  /** The drawn row `index`, if it is drawn. */
  row(index: number): HTMLElement | undefined {
    return this.#rows.get(index);
  }

  /** The drawn rows, by index (in no particular order). */
  drawn(): IterableIterator<[number, HTMLElement]> {
    return this.#rows.entries();
  }

  /** The index of the row at the top of the view (0 when the list is empty or below the view's top). */
  topIndex(): number {
    if (this.length === 0) return 0;
    return Math.max(0, this.#sizes.indexAt(this.#view().top));
  }

  /** The row one view's height (times `views`, negative upwards) from row `index`, within the list. */
  step(index: number, views: number): number {
    const view = this.#view();
    const height = Math.max(view.bottom - view.top, 1);
    const to = this.#sizes.indexAt(this.#sizes.offset(index) + views * height);
    return Math.min(Math.max(to, 0), this.length - 1);
  }

  /** Draws row `index` and scrolls it into view (as little as it takes); returns it. */
  reveal(index: number): HTMLElement | undefined {
    const row = this.draw(index);
    // Once scrolled, the row is in view: the next update keeps it for that reason.
    row?.scrollIntoView({ block: 'nearest' });
    return row;
  }

  /**
   * Draws row `index` at its place wherever the view is, without scrolling; returns it. The next
   * update removes it again unless it is then in view (or focused): scroll to it before that.
   */
  draw(index: number): HTMLElement | undefined {
    if (index < 0 || index >= this.length) return undefined;
    this.#revealing = index;
    try {
      this.update();
    } finally {
      this.#revealing = undefined;
    }
    return this.#rows.get(index);
  }

  /**
   * Draws the rows near the view now and removes the others (it runs by itself after a push, a
   * scroll, a resize or a move of the focus, once per task).
   */
  update(): void {
    const sizes = this.#sizes;
    // The list has no box (hidden): nothing can be measured; the ResizeObserver calls again once it has one.
    if (this.#list.getClientRects().length === 0) return;
    // Measuring the rows just drawn can show that more (or fewer) rows fill the view: a few rounds.
    for (let round = 0; round < 3; round++) {
      const view = this.#view();
      const wanted = this.#wanted(view);
      for (const [index, row] of this.#rows) {
        if (wanted.has(index)) continue;
        this.#observer.unobserve(row);
        row.remove();
        this.#rows.delete(index);
      }
      const added = this.#insert(wanted);
      const anchor = sizes.indexAt(view.top);
      const anchorAt = sizes.offset(anchor);
      // One layout for all the new rows: read every height, then write.
      const heights = added.map((index) => this.#rows.get(index)!.getBoundingClientRect().height);
      let changed = false;
      added.forEach((index, k) => {
        changed = this.#setHeight(index, heights[k]!) || changed;
        this.#measured?.(index, heights[k]!);
        this.#observer.observe(this.#rows.get(index)!);
      });
      this.#place();
      this.#keepAnchor(view, anchor, anchorAt);
      if (!changed) break;
    }
    if (this.#setSize !== this.length) {
      this.#setSize = this.length;
      for (const row of this.#rows.values()) row.setAttribute('aria-setsize', String(this.length));
    }
  }

  /** The rows to draw for `view`: those within a margin of it, and the focused row with its neighbours. */
  #wanted(view: View): Set<number> {
    const sizes = this.#sizes;
    const last = this.length - 1;
    const wanted = new Set<number>();
    if (last < 0) return wanted;
    const margin = Math.max(LEAST_MARGIN, view.bottom - view.top);
    const from = Math.max(0, sizes.indexAt(view.top - margin) - EXTRA_ROWS);
    const to = Math.min(last, sizes.indexAt(view.bottom + margin) + EXTRA_ROWS);
    for (let i = from; i <= to; i++) wanted.add(i);
    // The focused row stays (removing it would drop the focus), with its neighbours, so that Tab
    // and Shift+Tab reach the next and previous rows even when the view is elsewhere.
    const focused = this.#focused();
    if (focused !== undefined) {
      for (let i = Math.max(0, focused - EXTRA_ROWS); i <= Math.min(last, focused + EXTRA_ROWS); i++) wanted.add(i);
    }
    if (this.#revealing !== undefined) wanted.add(this.#revealing);
    return wanted;
  }

  /** Builds the wanted rows that are not drawn, each before the next drawn one; returns their indexes. */
  #insert(wanted: Set<number>): number[] {
    const added: number[] = [];
    // From the last: each new row goes before the row after it, so no drawn row moves (a row
    // moved in the document loses the focus it holds).
    let next: HTMLElement | null = null;
    for (const index of [...wanted].sort((a, b) => b - a)) {
      let row = this.#rows.get(index);
      if (row === undefined) {
        row = this.#render(index);
        this.#indexOf.set(row, index);
        row.setAttribute('aria-posinset', String(index + 1));
        row.setAttribute('aria-setsize', String(this.length));
        row.style.top = `${this.#sizes.offset(index)}px`;
        this.#list.insertBefore(row, next);
        this.#rows.set(index, row);
        added.push(index);
      }
      next = row;
    }
    return added;
  }

  /** Counts row `index` as `height` high; returns whether that changed its size by half a pixel or more. */
  #setHeight(index: number, height: number): boolean {
    const size = height + this.#gap;
    if (Math.abs(size - this.#sizes.size(index)) < 0.5) return false;
    this.#sizes.set(index, size);
    return true;
  }

  /** Moves each drawn row to its offset and sets the list's height. */
  #place(): void {
    for (const [index, row] of this.#rows) {
      const top = this.#sizes.offset(index);
      if (this.#tops.get(row) === top) continue;
      this.#tops.set(row, top);
      row.style.top = `${top}px`;
    }
    const total = Math.max(0, this.#sizes.offset(this.length) - this.#gap);
    this.#list.style.height = `${total}px`;
  }

  /**
   * Rows above the view measured taller or shorter than counted move what is in view: scrolls the
   * nearest scrolling box by as much, so the row at the top of the view stays where it was.
   */
  #keepAnchor(view: View, anchor: number, anchorAt: number): void {
    if (view.top <= 0 || anchor < 0) return;
    const delta = this.#sizes.offset(anchor) - anchorAt;
    if (Math.abs(delta) < 0.5) return;
    const scroller = this.#scroller();
    scroller.scrollTop += delta;
  }

  /** The part of the list in view, in its own coordinates: the page's viewport and every box around the list that clips it. */
  #view(): View {
    const box = this.#list.getBoundingClientRect();
    let top = 0;
    let bottom = window.innerHeight;
    for (let node = this.#list.parentElement; node !== null && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowY === 'visible') continue;
      const edge = node.getBoundingClientRect().top + node.clientTop;
      top = Math.max(top, edge);
      bottom = Math.min(bottom, edge + node.clientHeight);
    }
    return { top: top - box.top, bottom: Math.max(top, bottom) - box.top };
  }

  /** The nearest box around the list that scrolls (the page's when none does). */
  #scroller(): Element {
    return scrollingBox(this.#list);
  }

  /** The index of the row holding the focus, if one does. */
  #focused(): number | undefined {
    const active = document.activeElement;
    return active !== null && this.#list.contains(active) ? this.indexOf(active) : undefined;
  }

  /** Updates once the current task is done (however many pushes and scroll events it had). */
  readonly #queue = (): void => {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      this.update();
    });
  };

  /** A scroll of the page or of a box around the list (not of a box elsewhere, such as the editor). */
  readonly #onScroll = (event: Event): void => {
    const target = event.target;
    if (target === document || (target instanceof Node && target.contains(this.#list))) this.#queue();
  };

  /**
   * Between `focusout` and `focusin` nothing holds the focus: an update then would remove the row
   * the focus is moving to (Tab from a focused row far from the view). A move within the list
   * updates on its `focusin`; a move out of it, in the next frame.
   */
  readonly #onFocusOut = (event: FocusEvent): void => {
    if (event.relatedTarget instanceof Node && this.#list.contains(event.relatedTarget)) return;
    this.#frame ??= requestAnimationFrame(() => {
      this.#frame = undefined;
      this.update();
    });
  };

  /**
   * Rows that changed height (a `<details>` opened, the width changed) are counted again and the
   * rows after them moved before the page is painted. Drawing more rows waits for the next frame:
   * observing new rows from here would be a ResizeObserver loop.
   */
  #resized(entries: ResizeObserverEntry[]): void {
    const view = this.#view();
    const anchor = this.#sizes.indexAt(view.top);
    const anchorAt = this.#sizes.offset(anchor);
    let changed = false;
    let again = false;
    for (const entry of entries) {
      if (entry.target === this.#list) {
        // The list got a box (it was hidden) or a new width (rows wrap differently).
        again ||= entry.contentRect.width !== this.#width;
        this.#width = entry.contentRect.width;
        continue;
      }
      const index = this.#indexOf.get(entry.target);
      if (index === undefined || this.#rows.get(index) !== entry.target) continue;
      const height = entry.borderBoxSize[0]?.blockSize ?? entry.target.getBoundingClientRect().height;
      changed = this.#setHeight(index, height) || changed;
    }
    if (changed) {
      this.#place();
      this.#keepAnchor(view, anchor, anchorAt);
    }
    if (changed || again) {
      this.#frame ??= requestAnimationFrame(() => {
        this.#frame = undefined;
        this.update();
      });
    }
  }
}

/** The nearest box around `element` that scrolls (the page's when none does). */
export function scrollingBox(element: Element): Element {
  for (let node = element.parentElement; node !== null && node !== document.body; node = node.parentElement) {
    const overflow = getComputedStyle(node).overflowY;
    if ((overflow === 'auto' || overflow === 'scroll') && node.scrollHeight > node.clientHeight) return node;
  }
  return document.scrollingElement ?? document.documentElement;
}
