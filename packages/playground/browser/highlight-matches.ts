import { offsetsOf } from './find-index.js';

/**
 * Wraps every occurrence of `needle` in a drawn item `row` in a `<mark class="find-match">`, the
 * `current`-th of the item (counted over its parts in order, from 0) also with the class `current`;
 * returns that one. `parts` are the names of the row's `data-find` elements and `folded` their folded
 * texts, in the same order: an offset in a folded text is one in the element's text.
 *
 * `<mark>` elements, rather than the CSS Custom Highlight API: they are in the document, so they
 * are styled with an outline and an underline besides colours (a highlight pseudo-element takes
 * neither an outline nor a border), and assistive technologies name them as highlighted text.
 */
export function highlightMatches(
  row: HTMLElement,
  parts: readonly string[],
  folded: readonly string[],
  needle: string,
  current: number,
): HTMLElement | undefined {
  clearMatches(row);
  if (needle === '') return undefined;
  let ordinal = 0;
  let found: HTMLElement | undefined;
  parts.forEach((name, k) => {
    const offsets = offsetsOf(folded[k] ?? '', needle);
    if (offsets.length === 0) return;
    const element = row.querySelector(`[data-find="${name}"]`);
    const text = element?.textContent ?? '';
    // The element shows another text than was searched (it should not): its matches still count.
    if (element === null || text.length !== folded[k]!.length) {
      ordinal += offsets.length;
      return;
    }
    const pieces: Node[] = [];
    let last = 0;
    for (const at of offsets) {
      if (at > last) pieces.push(document.createTextNode(text.slice(last, at)));
      const mark = document.createElement('mark');
      mark.className = 'find-match';
      mark.textContent = text.slice(at, at + needle.length);
      if (ordinal === current) {
        mark.classList.add('current');
        found = mark;
      }
      pieces.push(mark);
      ordinal++;
      last = at + needle.length;
    }
    if (last < text.length) pieces.push(document.createTextNode(text.slice(last)));
    element.replaceChildren(...pieces);
  });
  return found;
}

/** Removes the marks of {@link highlightMatches} from `row`: each element holds its text alone again. */
export function clearMatches(row: HTMLElement): void {
  for (const element of row.querySelectorAll('[data-find]')) {
    if (element.firstElementChild !== null) element.replaceChildren(element.textContent ?? '');
  }
}
