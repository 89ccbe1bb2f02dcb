/**
 * A Map that forgets its oldest entries beyond `max`, for what a store may remember to save a
 * round trip or a hash but can always find again: its memory stays bounded whatever the traffic.
 */
export class BoundedMemo<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.max && !this.#entries.has(key)) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, value);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}
