/**
 * Most items one animation frame draws (an item of the list and its timeline row: about 0.1-0.2 ms
 * of script each in Chromium on a small machine, so a frame's script stays near or under 50 ms, a
 * long task's threshold): 10 000 items take at least 40 frames, and the page answers input between
 * them. A count, not a time budget: the browser's own work per frame (style, layout, paint of the
 * growing list) outweighs the script's at thousands of items, so fewer items per frame would only
 * make more frames, each paying that work again (measured at 10 000 items on a loaded 2-core
 * machine: 100 per frame took
 * about 100 frames and 26-28 s to draw them all, 250 per frame 40 frames and 7-11 s, each frame as
 * long either way).
 */
export const MAX_ITEMS_PER_FRAME = 250;

/**
 * Items drawn a frame's share at a time, in the order they were pushed: each animation frame draws
 * up to {@link MAX_ITEMS_PER_FRAME} of them, so the page stays responsive however many items
 * arrive at once.
 */
export class FrameQueue<T> {
  readonly #items: T[] = [];
  /** The next item to draw: items are read by index, not shifted out (a shift moves the whole array). */
  #next = 0;
  #frame: number | undefined;
  #waiters: Array<() => void> = [];

  constructor(private readonly draw: (item: T) => void) {}

  /** Queues `item`; it is drawn in a coming frame. */
  push(item: T): void {
    this.#items.push(item);
    this.#frame ??= requestAnimationFrame(this.#drawFrame);
  }

  /**
   * Resolves once every item pushed so far is drawn. A hidden page gets no animation frames: it
   * draws the rest at once (no one sees a long task there).
   */
  drained(): Promise<void> {
    if (document.hidden) this.#drawSome(Number.POSITIVE_INFINITY);
    if (this.#next >= this.#items.length) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  readonly #drawFrame = () => {
    this.#frame = undefined;
    this.#drawSome(MAX_ITEMS_PER_FRAME);
    if (this.#next < this.#items.length) this.#frame = requestAnimationFrame(this.#drawFrame);
  };

  #drawSome(most: number): void {
    const items = this.#items;
    const end = Math.min(items.length, this.#next + most);
    while (this.#next < end) this.draw(items[this.#next++] as T);
    if (this.#next < items.length) return;
    // All drawn: let go of the drawn items and tell who waits.
    items.length = 0;
    this.#next = 0;
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
