/** One match of a search: the `nth` occurrence (from 0) of the text searched for in item `item`. */
export interface Match {
  readonly item: number;
  readonly nth: number;
}

/** The texts of an item as it is shown, part by part (see `entryParts` in result-list.ts). */
export type TextsOf = (item: number) => ReadonlyArray<readonly [part: string, text: string]>;

/** An item's texts as searched: the names of its parts and their folded texts, in the same order. */
export interface SearchedItem {
  readonly parts: readonly string[];
  readonly folded: readonly string[];
}

/**
 * `text` lower-cased for a case-insensitive search, each character in its place: a character whose
 * lower case is longer (`İ` is `i̇`, an i and a combining dot) takes the first character of it (`i`)
 * when that is as long as itself, else keeps its own, so an offset in the folded text is the same
 * offset in the text shown, and a match can be highlighted where it was found. The final sigma `ς`,
 * which `toLowerCase` makes of a word-final `Σ`, folds to `σ`, so that `Σ` typed alone finds it.
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower.replace(FINAL_SIGMA, 'σ');
  let folded = '';
  for (const char of text) {
    const low = char.toLowerCase();
    if (low.length === char.length) folded += low;
    else {
      const first = String.fromCodePoint(low.codePointAt(0) as number);
      folded += first.length === char.length ? first : char;
    }
  }
  return folded.replace(FINAL_SIGMA, 'σ');
}

const FINAL_SIGMA = /ς/g;

/** Where `needle` occurs in `text`, without overlaps (as a browser's find counts them). */
export function offsetsOf(text: string, needle: string): number[] {
  const offsets: number[] = [];
  if (needle === '') return offsets;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) offsets.push(at);
  return offsets;
}

/**
 * The matches of one search in a list of items that grows, counted a slice at a time.
 *
 * Each item's texts are folded ({@link foldCase}) once, the first time any search reads them, and
 * kept until {@link clear}: searching again, as a user types, is `indexOf` over strings already
 * built. Only a count per item is kept (and the matches before each item), not every match, so a
 * search for one letter in 10 000 items costs two numbers per item; a match is found again in its
 * item's texts when it is shown. {@link scan} counts items until told to stop, so the caller
 * decides how much work one task does.
 */
export class FindIndex {
  readonly #textsOf: TextsOf;
  readonly #items: SearchedItem[] = [];
  #length = 0;
  #needle = '';
  /** Matches in each item counted so far. */
  #counts: number[] = [];
  /** `#before[i]`: matches in the items before item `i` (one more entry than `#counts`). */
  #before: number[] = [0];

  constructor(textsOf: TextsOf) {
    this.#textsOf = textsOf;
  }

  /** The folded text searched for ('' when none). */
  get needle(): string {
    return this.#needle;
  }

  /** Whether every item is counted. */
  get done(): boolean {
    return this.#counts.length >= this.#length;
  }

  /** The matches in the items counted. */
  get total(): number {
    return this.#before[this.#counts.length]!;
  }

  /** One more item at the end of the list (counted by the next {@link scan}). */
  added(): void {
    this.#length++;
  }

  /** Forgets every item (the list was emptied for the next batch); the search stays. */
  clear(): void {
    this.#length = 0;
    this.#items.length = 0;
    this.#restart();
  }

  /** Starts a search for `needle` (already folded): no item is counted yet. */
  search(needle: string): void {
    this.#needle = needle;
    this.#restart();
  }

  /** Counts items in order until `stop()` says so (asked after each item) or all are counted. */
  scan(stop: () => boolean): void {
    while (this.#counts.length < this.#length) {
      const item = this.#counts.length;
      let count = 0;
      if (this.#needle !== '') for (const text of this.item(item).folded) count += offsetsOf(text, this.#needle).length;
      this.#counts.push(count);
      this.#before.push(this.#before[item]! + count);
      if (stop()) return;
    }
  }

  /** Item `item`'s parts and their folded texts. */
  item(item: number): SearchedItem {
    let searched = this.#items[item];
    if (searched === undefined) {
      const texts = this.#textsOf(item);
      searched = { parts: texts.map(([part]) => part), folded: texts.map(([, text]) => foldCase(text)) };
      this.#items[item] = searched;
    }
    return searched;
  }

  /** Match `match`'s place among all of them, from 1 ("3" of "3 of 17"). */
  position(match: Match): number {
    return this.#before[match.item]! + match.nth + 1;
  }

  /** Where match `match` is in its item: the part (its index in the item's texts) and the offset in it. */
  locate(match: Match): { part: number; offset: number } | undefined {
    let rest = match.nth;
    const { folded } = this.item(match.item);
    for (let part = 0; part < folded.length; part++) {
      const offsets = offsetsOf(folded[part]!, this.#needle);
      if (rest < offsets.length) return { part, offset: offsets[rest]! };
      rest -= offsets.length;
    }
    return undefined;
  }

  /** The first match counted in item `from` or after it (none when they are not counted yet). */
  firstFrom(from: number): Match | undefined {
    for (let item = Math.max(0, from); item < this.#counts.length; item++) {
      if (this.#counts[item]! > 0) return { item, nth: 0 };
    }
    return undefined;
  }

  /**
   * The match after occurrence `nth` of item `item` (`step` 1) or before it (`step` -1), going on
   * from the other end of the list past the last or the first; `nth` may be -1 (before the item's
   * first) or the item's count (after its last), and `item` one not counted. Undefined when none is counted.
   */
  following(item: number, nth: number, step: 1 | -1): Match | undefined {
    const counts = this.#counts;
    const n = counts.length;
    if (this.total === 0) return undefined;
    const own = item >= 0 && item < n ? counts[item]! : 0;
    const next = nth + step;
    if (next >= 0 && next < own) return { item, nth: next };
    for (let k = 1; k <= n; k++) {
      const at = (((item + step * k) % n) + n) % n;
      if (counts[at]! > 0) return { item: at, nth: step > 0 ? 0 : counts[at]! - 1 };
    }
    return undefined;
  }

  #restart(): void {
    this.#counts = [];
    this.#before = [0];
  }
}
