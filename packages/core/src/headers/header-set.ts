/**
 * A set of lower-case header names where an entry ending in `*` stands for every name it begins
 * (`x-forwarded-*`): `has` is one set lookup, plus one `startsWith` per such entry.
 */
export class HeaderSet {
  readonly #names: Set<string>;
  readonly #prefixes: readonly string[];

  constructor(names: Iterable<string>) {
    const exact: string[] = [];
    const prefixes: string[] = [];
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (name.endsWith('*')) prefixes.push(name.slice(0, -1));
      else exact.push(name);
    }
    this.#names = new Set(exact);
    this.#prefixes = prefixes;
  }

  /** Whether the lower-case `name` is in the set, by itself or by a prefix. */
  has(name: string): boolean {
    if (this.#names.has(name)) return true;
    for (const prefix of this.#prefixes) if (name.startsWith(prefix)) return true;
    return false;
  }
}
