/**
 * The characters of results that all batches of one engine hold at once (`limits.maxResultBytesInFlight`).
 * Each batch's {@link BatchBudget} takes from it as it keeps a result and gives back all it took
 * once the engine has handed the batch's answer to the transport: a plain counter, owned by the
 * engine (two engines never share one).
 */
export class ResultPool {
  /** Characters taken now by batches that still hold their results. */
  used = 0;
  /**
   * The JSON size (and height) of the deeply frozen values results have shared (what a store hands
   * out; see `SnapshotWalk` for which), measured once for the engine: a session value read back in
   * many results is walked once, not once per result (counting a string's escapes reads all of
   * it); a list of 1,000 small entries read 500 times is 1,000 lookups a read. Frozen all the way
   * down, such a value cannot change, so its size cannot either; the map holds no value alive.
   */
  readonly frozenSizes = new WeakMap<object, number>();

  constructor(readonly max: number) {}
}
