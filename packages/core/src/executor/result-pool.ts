/**
 * The characters of results that all batches of one engine hold at once (`limits.maxResultBytesInFlight`).
 * Each batch's {@link BatchBudget} takes from it as it keeps a result and gives back all it took
 * once the engine has handed the batch's answer to the transport: a plain counter, owned by the
 * engine (two engines never share one).
 */
export class ResultPool {
  /** Characters taken now by batches that still hold their results. */
  used = 0;

  constructor(readonly max: number) {}
}
