/**
 * The estimated bytes of request bodies that all requests of one engine hold at once
 * (`limits.maxInputBytesInFlight`): each request's {@link InputCharge} takes from it as it gets and
 * parses its body and gives all it took back when the request ends. A plain counter, owned by the
 * engine (two engines never share one).
 */
export class InputPool {
  /** Bytes taken now by requests that still hold their bodies. */
  used = 0;

  constructor(readonly max: number) {}
}
