/**
 * Most items one animation frame draws. The lists are windowed (virtual-list.ts): drawing an item
 * out of view is only counting it (its view, its place in the timeline, its estimated height: a few
 * microseconds each), and the items in view are at most a screenful, so a frame's cost no longer
 * grows with the items drawn so far. A count, not a time budget: 1000 items are a few milliseconds
 * of script on a small machine, so 10 000 items take at least 10 frames and 100 000 at least 100
 * (at 60 frames a second about as fast as the example server sends them), and the page answers
 * input between them. (Before the lists were windowed, every item was a row in the document and
 * the browser's style, layout and paint of the growing list made every frame 100-300 ms at
 * thousands of items, whatever the count per frame: it was 250.)
 */
export const MAX_ITEMS_PER_FRAME = 1000;

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
