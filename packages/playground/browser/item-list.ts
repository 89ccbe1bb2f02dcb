import { type Arrival, type EntryPart, entryParts, itemEntry, opensBody } from './result-list.js';
import { VirtualList } from './virtual-list.js';

/** Told what happens to an {@link ItemList} (the find in the results follows it so). */
export interface ItemListObserver {
  /** Item `index` was drawn as `row` (it comes near the view), before it is measured. */
  drawn(index: number, row: HTMLElement): void;
  /** An item was appended. */
  added(): void;
  /** Every item was removed. */
  cleared(): void;
}

/** The list of a batch's items: {@link ItemList.add} appends one as it arrives. */
export interface ItemList {
  add(arrival: Arrival): void;
  /** Removes every item (before the next batch). */
  clear(): void;
  /** How many items the list has, drawn or not. */
  readonly length: number;
  /** Item `index` as it arrived. */
  arrival(index: number): Arrival;
  /** The text of each part of item `index`'s entry, as it shows them, drawn or not. */
  texts(index: number): Array<readonly [EntryPart, string]>;
  /** Draws item `index` where it belongs, without scrolling (scroll to it before the next update, or it goes). */
  draw(index: number): HTMLElement | undefined;
  /** Opens item `index`'s headers or body, drawn or not (it stays open when drawn again). */
  open(index: number, part: 'headers' | 'body'): void;
  /** The items drawn, by index. */
  drawn(): IterableIterator<[number, HTMLElement]>;
  /** The index of the item at the top of the view. */
  topIndex(): number;
  /** Sets the one observer of the list. */
  observe(observer: ItemListObserver): void;
}

/** Space between two items, in px. */
const GAP = 8;
/** Height counted for an item before any of its kind was drawn, body closed or open (px, about what they measure at 1280 px). */
const FIRST_ESTIMATE = { closed: 64, open: 200 } as const;

/**
 * The items of a batch in `list`, windowed by a {@link VirtualList}: only the items near the view
 * are in the document, however many the batch has.
 *
 * - An item's headers and body stay as they were opened or closed when it leaves the view and is
 *   drawn again.
 * - An item not drawn yet counts as high as the last drawn item of its kind (message or not,
 *   headers and body open or closed, mark), so the scrollbar is right for a batch of like items.
 * - Keys, from an item or one of its Headers/Body summaries: ArrowDown/ArrowUp focus the next and
 *   previous item, Home/End the first and last, PageDown/PageUp the item a view further; each
 *   drawn and scrolled into view first. Tab goes through the drawn items' summaries in order: the
 *   focused item and its neighbours are always drawn.
 */
export function createItemList(list: HTMLOListElement): ItemList {
  list.replaceChildren();
  const arrivals: Arrival[] = [];
  /** Headers and body open or closed, for the items where that is not the default. */
  const toggled = new Map<number, [headers: boolean, body: boolean]>();
  /** The last measured height of a drawn item, by kind. */
  const heights = new Map<string, number>();
  const openOf = (index: number): readonly [boolean, boolean] => toggled.get(index) ?? [false, opensBody(arrivals[index]!.view)];
  const kindOf = (index: number): string => {
    const { view } = arrivals[index]!;
    const [headers, body] = openOf(index);
    return `${view.status >= 400 && view.message !== undefined ? 'message' : ''}/${headers}/${body}/${view.mark ?? ''}`;
  };
  let observer: ItemListObserver | undefined;
  const virtual = new VirtualList({
    list,
    gap: GAP,
    render: (index) => {
      const li = itemEntry(arrivals[index]!, arrivals[index - 1]?.at ?? 0, toggled.get(index));
      // Focusable by the arrow keys (and a click), not a Tab stop of its own: Tab goes to its summaries.
      li.tabIndex = -1;
      observer?.drawn(index, li);
      return li;
    },
    measured: (index, height) => heights.set(kindOf(index), height),
  });

  // `toggle` does not bubble: heard in the capture phase.
  list.addEventListener(
    'toggle',
    (event) => {
      const index = event.target instanceof HTMLDetailsElement ? virtual.indexOf(event.target) : undefined;
      if (index === undefined) return;
      const [headers, body] = virtual.row(index)!.querySelectorAll('details');
      const open: [boolean, boolean] = [headers?.open ?? false, body?.open ?? false];
      if (open[0] === false && open[1] === opensBody(arrivals[index]!.view)) toggled.delete(index);
      else toggled.set(index, open);
    },
    true,
  );

  /** Where a key moves the focus from item `index`, if it moves it. */
  const moveFrom = (key: string, index: number): number | undefined => {
    const last = virtual.length - 1;
    switch (key) {
      case 'ArrowDown':
        return Math.min(index + 1, last);
      case 'ArrowUp':
        return Math.max(index - 1, 0);
      case 'Home':
        return 0;
      case 'End':
        return last;
      case 'PageDown':
        return virtual.step(index, 1);
      case 'PageUp':
        return virtual.step(index, -1);
      default:
        return undefined;
    }
  };

  list.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target as HTMLElement;
    // Not from elsewhere in an item (a scrolled <pre> keeps its arrow keys).
    if (target.parentElement !== list && target.tagName !== 'SUMMARY') return;
    const index = virtual.indexOf(target);
    if (index === undefined) return;
    const to = moveFrom(event.key, index);
    if (to === undefined) return;
    event.preventDefault();
    virtual.reveal(to)?.focus();
  });

  return {
    add(arrival) {
      arrivals.push(arrival);
      const index = arrivals.length - 1;
      const estimate = heights.get(kindOf(index)) ?? (openOf(index)[1] ? FIRST_ESTIMATE.open : FIRST_ESTIMATE.closed);
      virtual.push(estimate);
      observer?.added();
    },
    clear() {
      virtual.clear();
      arrivals.length = 0;
      toggled.clear();
      observer?.cleared();
    },
    get length() {
      return arrivals.length;
    },
    arrival: (index) => arrivals[index]!,
    texts: (index) => entryParts(arrivals[index]!, arrivals[index - 1]?.at ?? 0),
    draw: (index) => virtual.draw(index),
    open(index, part) {
      const open: [boolean, boolean] = [...openOf(index)];
      open[part === 'headers' ? 0 : 1] = true;
      toggled.set(index, open);
      // Drawn, its <details> opens now (its toggle event then records the same).
      const details = virtual.row(index)?.querySelectorAll('details')[part === 'headers' ? 0 : 1];
      if (details !== undefined) details.open = true;
    },
    drawn: () => virtual.drawn(),
    topIndex: () => virtual.topIndex(),
    observe(next) {
      observer = next;
    },
  };
}
