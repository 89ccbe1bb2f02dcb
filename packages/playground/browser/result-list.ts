import type { ItemLabel } from './check-batch.js';
import { type ItemView, type SummaryView, statusClass } from './item-view.js';
import { VirtualList } from './virtual-list.js';

/** An item as it arrived: its view, what it asked for, and when it arrived (ms after sending). */
export interface Arrival {
  readonly view: ItemView;
  readonly label: ItemLabel | undefined;
  readonly at: number;
}

const MARK_TEXT = { skipped: 'Skipped', 'rolled-back': 'Rolled back' } as const;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Whether an item's body is shown at first: when it failed or did not run. */
export function opensBody(view: ItemView): boolean {
  return view.status >= 400 || view.mark !== undefined;
}

/**
 * The parts of an item's entry that hold text, in the order the entry shows them: each is the text
 * of one element of {@link itemEntry}, marked `data-find` with its name, which the find in the
 * results (result-find.ts) searches and highlights whether the item is drawn or not.
 */
export type EntryPart =
  | 'index'
  | 'status'
  | 'request'
  | 'mark'
  | 'time'
  | 'message'
  | 'headers-summary'
  | 'headers'
  | 'body-summary'
  | 'body';

/** The text of each part of an item's entry (those it has), in the order {@link itemEntry} shows them. */
export function entryParts(arrival: Arrival, previousAt: number): Array<readonly [EntryPart, string]> {
  const { view, label } = arrival;
  const parts: Array<readonly [EntryPart, string]> = [
    ['index', `#${view.index}`],
    ['status', String(view.status)],
    ['request', label === undefined ? '' : `${label.method} ${label.path}`],
  ];
  if (view.mark !== undefined) parts.push(['mark', MARK_TEXT[view.mark]]);
  parts.push(['time', `${(arrival.at - previousAt).toFixed(1)} ms · at ${arrival.at.toFixed(1)} ms`]);
  if (view.status >= 400 && view.message !== undefined) parts.push(['message', `${view.code ?? ''} ${view.message}`.trim()]);
  const headerNames = Object.keys(view.headers);
  parts.push(
    ['headers-summary', `Headers (${headerNames.length})`],
    ['headers', headerNames.length === 0 ? '(none in this dialect’s item)' : headerNames.map((n) => `${n}: ${view.headers[n]}`).join('\n')],
    ['body-summary', 'Body'],
    ['body', view.body === undefined ? '(no body)' : JSON.stringify(view.body, null, 2)],
  );
  return parts;
}

/**
 * The list entry of one item: status coloured by class, time, marks, headers and body. `open` is
 * whether its headers and its body are open, when someone chose (by default: the body of an item
 * that failed or did not run, see {@link opensBody}).
 */
export function itemEntry(arrival: Arrival, previousAt: number, open?: readonly [headers: boolean, body: boolean]): HTMLLIElement {
  const { view } = arrival;
  const text = new Map(entryParts(arrival, previousAt));
  const part = <K extends keyof HTMLElementTagNameMap>(tag: K, name: EntryPart, className?: string): HTMLElementTagNameMap[K] => {
    const node = el(tag, className, text.get(name));
    node.dataset.find = name;
    return node;
  };
  const cls = statusClass(view.status);
  const li = el('li', `item ${cls}${view.mark === undefined ? '' : ' marked'}`);
  li.dataset.index = String(view.index);
  li.dataset.status = String(view.status);
  if (view.mark !== undefined) li.dataset.mark = view.mark;
  const head = el('div', 'item-head');
  head.append(part('span', 'index', 'item-index'));
  const status = part('span', 'status', `status ${cls}`);
  status.setAttribute('aria-label', `Status ${view.status}`);
  head.append(status);
  head.append(part('span', 'request', 'item-request'));
  if (text.has('mark')) head.append(part('span', 'mark', 'mark'));
  head.append(part('span', 'time', 'item-time'));
  li.append(head);
  if (text.has('message')) li.append(part('p', 'message', 'item-message'));
  const headers = el('details');
  headers.open = open?.[0] ?? false;
  headers.append(part('summary', 'headers-summary'), part('pre', 'headers'));
  const body = el('details');
  body.open = open?.[1] ?? opensBody(view);
  body.append(part('summary', 'body-summary'), part('pre', 'body'));
  li.append(headers, body);
  return li;
}

/** The timeline as items arrive: {@link Waterfall.add} appends one row, {@link Waterfall.finish} sets the final scale. */
export interface Waterfall {
  add(arrival: Arrival, previousAt: number): void;
  finish(): void;
  /** Removes every row (before the next batch). */
  clear(): void;
}

/** Height of a timeline row, in px (as `.waterfall li` in playground.css). */
const WATERFALL_ROW = 18;

/**
 * A waterfall drawn into `rows`: each item's bar runs from the previous item's arrival to its own.
 * The rows are a {@link VirtualList} (only those in view are in the document). Bars are placed in
 * CSS from their `--start` and `--span` over the list's `--total`, so rescaling is one property;
 * while items arrive the scale doubles when an arrival passes it, at most once per animation frame,
 * so the bars in view keep still between a few rescales per batch. At the end it is the last arrival.
 */
export function createWaterfall(rows: HTMLOListElement): Waterfall {
  rows.replaceChildren();
  const bars: Array<{ arrival: Arrival; start: number }> = [];
  const list = new VirtualList({
    list: rows,
    render: (index) => {
      const { arrival, start } = bars[index]!;
      const { view } = arrival;
      const span = arrival.at - start;
      const mark = view.mark === undefined ? '' : MARK_TEXT[view.mark];
      const li = el('li');
      li.append(el('span', 'item-index', `#${view.index}`));
      const track = el('span', 'track');
      const bar = el('span', `bar ${statusClass(view.status)}${mark === '' ? '' : ' marked'}`);
      bar.style.setProperty('--start', String(start));
      bar.style.setProperty('--span', String(span));
      bar.title = `#${view.index} ${view.status}${mark === '' ? '' : ` (${mark})`}: ${start.toFixed(1)}–${arrival.at.toFixed(1)} ms`;
      track.append(bar);
      li.setAttribute('aria-label', `Item ${view.index}: ${view.status}${mark === '' ? '' : `, ${mark}`}, ${span.toFixed(1)} ms`);
      li.append(track, el('span', 'ms', `${span.toFixed(1)} ms`));
      return li;
    },
  });
  let total = 0;
  let scale = 0;
  let shownDigits = 0;
  let frame: number | undefined;
  const rescale = (to: number) => {
    frame = undefined;
    scale = Math.max(to, 0.001);
    rows.style.setProperty('--total', String(scale));
  };
  const grow = () => rescale(Math.max(total, scale * 2));
  rescale(0);
  return {
    add(arrival, start) {
      bars.push({ arrival, start });
      // The index column is as wide as the longest index: one property, set when it gains a digit.
      const digits = String(arrival.view.index).length;
      if (digits > shownDigits) {
        shownDigits = digits;
        rows.style.setProperty('--digits', String(digits));
      }
      list.push(WATERFALL_ROW);
      total = Math.max(total, arrival.at);
      if (total > scale) frame ??= requestAnimationFrame(grow);
    },
    finish() {
      if (frame !== undefined) cancelAnimationFrame(frame);
      rescale(total);
    },
    clear() {
      if (frame !== undefined) cancelAnimationFrame(frame);
      list.clear();
      bars.length = 0;
      shownDigits = 0;
      rows.style.removeProperty('--digits');
      total = 0;
      rescale(0);
    },
  };
}

/** The summary pills. */
export function drawSummary(box: HTMLElement, summary: SummaryView): void {
  box.replaceChildren(
    el('span', 'pill ok', `${summary.succeeded} succeeded`),
    el('span', 'pill failed', `${summary.failed} failed`),
    el('span', 'pill skipped', `${summary.skipped} skipped`),
  );
  box.hidden = false;
}
