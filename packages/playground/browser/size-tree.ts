/**
 * The heights of a list's rows in a Fenwick (binary indexed) tree: appending a row, changing one
 * row's height, a row's offset (the sum of the heights before it) and the row at an offset each take
 * O(log n), so a list of 100 000 rows is placed without adding up all of them on every scroll.
 */
export class SizeTree {
  /** 1-based: `#tree[i]` holds the sum of the sizes of rows `i - lowbit(i)` to `i - 1` (0-based). */
  #tree: number[] = [0];
  readonly #sizes: number[] = [];

  /** How many rows there are. */
  get length(): number {
    return this.#sizes.length;
  }

  /** The size of row `index`. */
  size(index: number): number {
    return this.#sizes[index] ?? 0;
  }

  /** Appends a row of `size`. */
  push(size: number): void {
    this.#sizes.push(size);
    const i = this.#sizes.length;
    // The new node covers the rows after i - lowbit(i): its own and those its children hold.
    let sum = size;
    const stop = i - (i & -i);
    for (let k = i - 1; k > stop; k -= k & -k) sum += this.#tree[k]!;
    this.#tree[i] = sum;
  }

  /** Sets the size of row `index`. */
  set(index: number, size: number): void {
    const delta = size - this.#sizes[index]!;
    if (delta === 0) return;
    this.#sizes[index] = size;
    for (let i = index + 1; i < this.#tree.length; i += i & -i) this.#tree[i]! += delta;
  }

  /** The sum of the sizes of the rows before `index` (the total for `length`). */
  offset(index: number): number {
    let sum = 0;
    for (let i = Math.min(index, this.length); i > 0; i -= i & -i) sum += this.#tree[i]!;
    return sum;
  }

  /** The row at `offset`: the last row that starts at or before it (0 before the first row, the last row past the end, -1 when empty). */
  indexAt(offset: number): number {
    const n = this.length;
    if (n === 0) return -1;
    let pos = 0;
    let rest = offset;
    for (let step = 2 ** Math.floor(Math.log2(n)); step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && this.#tree[next]! <= rest) {
        pos = next;
        rest -= this.#tree[next]!;
      }
    }
    // `pos` rows end at or before `offset`: the next one holds it.
    return Math.min(pos, n - 1);
  }

  /** Removes every row. */
  clear(): void {
    this.#tree = [0];
    this.#sizes.length = 0;
  }
}
