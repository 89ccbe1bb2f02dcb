import type { ItemLabel } from './check-batch.js';
import { type ItemView, type SummaryView, statusClass } from './item-view.js';

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

/** The list entry of one item: status coloured by class, time, marks, headers and body. */
export function itemEntry(arrival: Arrival, previousAt: number): HTMLLIElement {
  const { view, label } = arrival;
  const cls = statusClass(view.status);
  const li = el('li', `item ${cls}${view.mark === undefined ? '' : ' marked'}`);
  li.dataset.index = String(view.index);
  li.dataset.status = String(view.status);
  if (view.mark !== undefined) li.dataset.mark = view.mark;
  const head = el('div', 'item-head');
  head.append(el('span', 'item-index', `#${view.index}`));
  const status = el('span', `status ${cls}`, String(view.status));
  status.setAttribute('aria-label', `Status ${view.status}`);
  head.append(status);
  head.append(el('span', 'item-request', label === undefined ? '' : `${label.method} ${label.path}`));
  if (view.mark !== undefined) head.append(el('span', 'mark', MARK_TEXT[view.mark]));
  head.append(el('span', 'item-time', `${(arrival.at - previousAt).toFixed(1)} ms · at ${arrival.at.toFixed(1)} ms`));
  li.append(head);
  if (view.status >= 400 && view.message !== undefined) li.append(el('p', 'item-message', `${view.code ?? ''} ${view.message}`.trim()));
  const headerNames = Object.keys(view.headers);
  const headers = el('details');
  headers.append(el('summary', undefined, `Headers (${headerNames.length})`));
  headers.append(
    el(
      'pre',
      undefined,
      headerNames.length === 0 ? '(none in this dialect’s item)' : headerNames.map((n) => `${n}: ${view.headers[n]}`).join('\n'),
    ),
  );
  const body = el('details');
  body.open = view.status >= 400 || view.mark !== undefined;
  body.append(el('summary', undefined, 'Body'));
  body.append(el('pre', undefined, view.body === undefined ? '(no body)' : JSON.stringify(view.body, null, 2)));
  li.append(headers, body);
  return li;
}

/** The timeline as items arrive: {@link Waterfall.add} appends one row, {@link Waterfall.finish} sets the final scale. */
export interface Waterfall {
  add(arrival: Arrival, previousAt: number): void;
  finish(): void;
}

/**
 * A waterfall drawn into `rows`: each item's bar runs from the previous item's arrival to its own.
 * Each arrival appends its own row (never redraws the others); bars are placed in CSS from their
 * `--start` and `--span` over the list's `--total`, so rescaling is one property. That property
 * restyles and lays out every row, so while items arrive the scale is not the latest arrival (a
 * rescale each frame made each frame cost as much as all rows so far): it doubles when an arrival
 * passes it, at most once per animation frame, a few times per batch. At the end it is the last arrival.
 */
export function createWaterfall(rows: HTMLOListElement): Waterfall {
  rows.replaceChildren();
  let total = 0;
  let scale = 0;
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
      rows.append(li);
      total = Math.max(total, arrival.at);
      if (total > scale) frame ??= requestAnimationFrame(grow);
    },
    finish() {
      if (frame !== undefined) cancelAnimationFrame(frame);
      rescale(total);
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
